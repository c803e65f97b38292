# This file is part of the CRM suite.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.party.exceptions import EraseError
from trytond.pool import Pool, PoolMeta

from .configuration import MONEY
from .ledger import CENT


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    member_cards = fields.One2Many(
        'crm.membership.card', 'party', "Member Cards", readonly=True)
    member_months = fields.One2Many(
        'crm.membership.member.month', 'party', "Monthly Spend",
        readonly=True)
    member_total_spent = fields.Function(fields.Numeric(
            "Total Spent", digits=MONEY), 'get_member_statistics')
    member_visits = fields.Function(fields.Integer("Visits"),
        'get_member_statistics')
    member_average_ticket = fields.Function(fields.Numeric(
            "Average Ticket", digits=MONEY), 'get_member_statistics')
    member_first_visit = fields.Function(fields.Date("First Visit"),
        'get_member_statistics')
    member_last_visit = fields.Function(fields.Date("Last Visit"),
        'get_member_statistics')
    member_days_since_visit = fields.Function(fields.Integer(
            "Days since Last Visit"), 'get_member_statistics')
    member_spent_this_month = fields.Function(fields.Numeric(
            "Spent this Month", digits=MONEY), 'get_member_statistics')
    member_spent_last_month = fields.Function(fields.Numeric(
            "Spent Last Month", digits=MONEY), 'get_member_statistics')

    @classmethod
    def get_member_statistics(cls, parties, names):
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Date = pool.get('ir.date')
        today = Date.today()
        summaries = Month.summaries([p.id for p in parties], today)
        result = {n: {} for n in names}
        for party_id, values in summaries.items():
            visits = values['visits']
            computed = {
                'member_total_spent': values['total'],
                'member_visits': visits,
                'member_average_ticket': (
                    (values['total'] / visits).quantize(CENT)
                    if visits else None),
                'member_first_visit': values['first'],
                'member_last_visit': values['last'],
                'member_days_since_visit': (
                    (today - values['last']).days
                    if values['last'] else None),
                'member_spent_this_month': values['this_month'],
                'member_spent_last_month': values['last_month'],
                }
            for name in names:
                result[name][party_id] = computed[name]
        return result

    @classmethod
    def record_spend(cls, party, amount, date=None, visit=True):
        """Count amount spent by party on date (negative for a refund, with
        visit False) and bring the levels of its cards up or down to it"""
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        Card = pool.get('crm.membership.card')
        Date = pool.get('ir.date')
        cls.lock([party])
        date = date or Date.today()
        Month.record(party, amount, date, visit=visit)
        Card.update_levels(Card.search([
                    ('party', '=', party.id),
                    ('state', 'in', ['active', 'lost', 'frozen']),
                    ]))
        Month.set_level(party, date)


class Replace(metaclass=PoolMeta):
    __name__ = 'party.replace'

    @classmethod
    def fields_to_replace(cls):
        return super().fields_to_replace() + [
            ('crm.membership.card', 'party'),
            ('crm.membership.member.month', 'party'),
            ('crm.membership.member.year', 'party'),
            ('crm.membership.level.change', 'party'),
            ]

    def transition_replace(self):
        pool = Pool()
        Card = pool.get('crm.membership.card')
        Date = pool.get('ir.date')
        Month = pool.get('crm.membership.member.month')
        Year = pool.get('crm.membership.member.year')
        self.merge_member_months()
        # The years are added up again from the merged months
        Year.delete(Year.search([('party', 'in', [
                            self.ask.source.id, self.ask.destination.id])]))
        state = super().transition_replace()
        Year.refresh([self.ask.destination.id])
        Month.refresh_previous([self.ask.destination.id])
        Card.update_levels(Card.search([
                    ('party', '=', self.ask.destination.id),
                    ('state', 'in', ['active', 'lost', 'frozen']),
                    ]))
        Month.set_level(self.ask.destination, Date.today())
        return state

    def merge_member_months(self):
        "Add the months both customers spent in to the kept customer's"
        pool = Pool()
        Month = pool.get('crm.membership.member.month')
        source, destination = self.ask.source, self.ask.destination
        kept = {m.period: m for m in Month.search([
                    ('party', '=', destination.id)])}
        merged = []
        for month in Month.search([('party', '=', source.id)]):
            if month.period not in kept:
                continue
            into = kept[month.period]
            into.amount += month.amount
            into.visits += month.visits
            into.first_visit = min(filter(None,
                    [into.first_visit, month.first_visit]), default=None)
            into.last_visit = max(filter(None,
                    [into.last_visit, month.last_visit]), default=None)
            merged.append(month)
        Month.save(list(kept.values()))
        Month.delete(merged)


class Erase(metaclass=PoolMeta):
    __name__ = 'party.erase'

    def check_erase(self, party):
        pool = Pool()
        Card = pool.get('crm.membership.card')
        super().check_erase(party)
        cards = Card.search([
                ('party', '=', party.id),
                ('state', 'in', ['active', 'lost', 'frozen', 'expired']),
                ])
        if cards:
            raise EraseError(gettext('crm_membership.msg_erase_card',
                    party=party.rec_name,
                    cards=', '.join(c.number for c in cards)))
