# This file is part of the CRM suite.
"""工作台: the tiles each role's board starts with, and the wizard that
gives a user back the board of its roles"""
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import StateAction, StateTransition, Wizard


class Tile(sequence_ordered(), ModelSQL, ModelView):
    "A tile the board of a role starts with"
    __name__ = 'crm.analysis.tile'
    __string__ = "Workbench Tile"

    group = fields.Many2One('res.group', "Role", required=True,
        ondelete='CASCADE')
    action = fields.Many2One('ir.action.act_window', "Action",
        required=True, ondelete='CASCADE',
        domain=[('usage', '=', 'dashboard')])

    @classmethod
    def on_modification(cls, mode, tiles, field_names=None):
        pool = Pool()
        User = pool.get('res.user')
        super().on_modification(mode, tiles, field_names=field_names)
        if mode == 'create':
            # A new tile goes on the boards of its role, from the module's
            # first activation on
            with without_check_access():
                User.add_tiles([(user, tile) for tile in tiles
                        for user in User.search([
                                ('groups', '=', tile.group.id)])])


class ResetBoard(Wizard):
    "Give the user back the board of its roles"
    __name__ = 'crm.analysis.board.reset'

    start = StateTransition()
    board = StateAction('dashboard.act_dashboard')

    def transition_start(self):
        pool = Pool()
        User = pool.get('res.user')
        User.set_role_boards([User(Transaction().user)], reset=True)
        return 'board'

    def do_board(self, action):
        return action, {}
