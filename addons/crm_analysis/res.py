# This file is part of the CRM suite.
from trytond.model import ModelView
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import without_check_access


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and 'groups' in (field_names or set())):
            # A user who arranged a board keeps it when given a role
            cls.set_role_boards([u for u in users if not u.dashboard_actions])

    @classmethod
    def set_role_boards(cls, users, reset=False):
        """Give each user the tiles of its roles and the board at login;
        reset replaces the tiles the user has"""
        pool = Pool()
        Action = pool.get('dashboard.action')
        Tile = pool.get('crm.analysis.tile')
        users = cls.browse(users)
        # The boards of others are out of a user's reach (rule), not of the
        # roles' defaults, given when an administrator creates a user
        with without_check_access():
            if reset:
                Action.delete(Action.search([
                            ('user', 'in', [u.id for u in users])]))
            cls.add_tiles([(user, tile) for user in users
                    for tile in Tile.search([
                            ('group', 'in', [g.id for g in user.groups]),
                            ])])

    @classmethod
    def add_tiles(cls, pairs):
        """Put each (user, tile) on the user's board unless the board shows
        its action, and open the board at login"""
        pool = Pool()
        Action = pool.get('dashboard.action')
        ActWindow = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        UserAction = pool.get('res.user-ir.action')
        View = pool.get('ir.ui.view')
        board = ActWindow(
            ModelData.get_id('dashboard', 'act_dashboard')).action
        with without_check_access():
            shown = {}
            to_create, logins = [], []
            for user, tile in pairs:
                user = cls(user.id)
                if user.id not in shown:
                    shown[user.id] = {a.act_window for a in
                        Action.search([('user', '=', user.id)])}
                    if board not in user.actions:
                        logins.append({'user': user.id, 'action': board.id})
                if tile.action in shown[user.id]:
                    continue
                shown[user.id].add(tile.action)
                to_create.append({
                        'user': user.id,
                        'act_window': tile.action.id,
                        'sequence': tile.sequence,
                        })
            for sub in grouped_slice(to_create):
                Action.create(list(sub))
            UserAction.create(logins)
        if to_create or logins:
            # The board's view is built from the user's actions and cached
            View._view_get_cache.clear()
            ModelView._fields_view_get_cache.clear()
