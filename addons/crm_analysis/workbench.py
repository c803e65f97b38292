# This file is part of the CRM suite.
"""工作台: the tiles each role's board starts with, and the wizard that
gives a user back the board of its roles"""
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pool import Pool
from trytond.transaction import Transaction
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
    def actions_for(cls, groups):
        """The board actions of the roles among groups, in the order of the
        tiles, each once"""
        actions = []
        for tile in cls.search([('group', 'in', [g.id for g in groups])]):
            if tile.action not in actions:
                actions.append(tile.action)
        return actions


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
