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
        ActWindow = pool.get('ir.action.act_window')
        ModelData = pool.get('ir.model.data')
        View = pool.get('ir.ui.view')
        if not users:
            return
        board = ActWindow(ModelData.get_id('dashboard', 'act_dashboard'))
        users = cls.browse(users)
        # The boards of others are out of a user's reach (rule), not of the
        # roles' defaults, given when an administrator creates a user
        with without_check_access():
            cls._set_role_boards(users, board, reset)
        # The board's view is built from the user's actions and cached
        View._view_get_cache.clear()
        ModelView._fields_view_get_cache.clear()

    @classmethod
    def _set_role_boards(cls, users, board, reset):
        pool = Pool()
        Action = pool.get('dashboard.action')
        Tile = pool.get('crm.analysis.tile')
        UserAction = pool.get('res.user-ir.action')
        if reset:
            Action.delete(Action.search([('user', 'in', [u.id for u in users])]))
        to_create, logins = [], []
        for user in users:
            actions = Tile.actions_for(user.groups)
            if not actions:
                continue
            to_create.extend({
                    'user': user.id,
                    'act_window': action.id,
                    'sequence': sequence,
                    } for sequence, action in enumerate(actions, 1))
            if board.action not in user.actions:
                logins.append({'user': user.id, 'action': board.action.id})
        for sub in grouped_slice(to_create):
            Action.create(list(sub))
        UserAction.create(logins)
