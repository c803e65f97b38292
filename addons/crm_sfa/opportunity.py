# This file is part of the CRM suite.
"Deals (销售机会): stages with their history, competitors, the owner's rules"
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import SfaAccessError
from .stage import OPEN_KINDS

OPEN_STATES = ['lead', 'opportunity', 'converted']


class Opportunity(metaclass=PoolMeta):
    __name__ = 'sale.opportunity'

    stage = fields.Many2One(
        'crm.sfa.stage', "Stage", ondelete='RESTRICT',
        domain=[If(Eval('state').in_(['lead', 'opportunity']),
                ('kind', 'in', OPEN_KINDS),
                ())],
        states={
            'readonly': ~Eval('state').in_(['lead', 'opportunity']),
            })
    source = fields.Many2One(
        'crm.customer.source', "Source", ondelete='RESTRICT')
    contact_person = fields.Many2One(
        'party.contact_person', "Contact Person", ondelete='RESTRICT',
        domain=[('party', '=', Eval('party', -1))])
    weighted_amount = fields.Function(
        fields.Numeric("Weighted Amount", digits='currency'),
        'get_weighted_amount')
    competitors = fields.One2Many(
        'crm.sfa.competitor', 'opportunity', "Competitors")
    stage_history = fields.One2Many(
        'crm.sfa.stage.history', 'opportunity', "Stage History",
        readonly=True)
    sfa_contacts = fields.One2Many(
        'crm.sfa.contact', 'opportunity', "Contact Records", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.end_date.string = "Expected Close Date"

    @classmethod
    def default_stage(cls):
        Stage = Pool().get('crm.sfa.stage')
        stage = Stage.first()
        return stage.id if stage else None

    @classmethod
    def default_conversion_probability(cls):
        Stage = Pool().get('crm.sfa.stage')
        stage = Stage.first()
        return stage.probability if stage else 0.0

    @fields.depends('stage')
    def on_change_stage(self):
        if self.stage:
            self.conversion_probability = self.stage.probability

    def get_weighted_amount(self, name):
        if self.amount is not None:
            return self.currency.round(
                self.amount * type(self.amount)(
                    str(self.conversion_probability or 0)))

    @property
    def urge_owner(self):
        return self.employee

    def is_late(self):
        Date = Pool().get('ir.date')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        return (self.state in OPEN_STATES
            and bool(self.end_date) and self.end_date < today)

    @classmethod
    def check_modification(cls, mode, opportunities, values=None,
            external=False):
        pool = Pool()
        Party = pool.get('party.party')
        Stage = pool.get('crm.sfa.stage')
        User = pool.get('res.user')
        super().check_modification(
            mode, opportunities, values=values, external=external)
        if not external:
            return
        if mode == 'write':
            if values.get('stage'):
                stage = Stage(values['stage'])
                if stage.kind not in OPEN_KINDS:
                    raise SfaAccessError(gettext(
                            'crm_sfa.msg_stage_outcome', stage=stage.name))
        if mode in {'create', 'write'}:
            # 防撞单: a salesperson opens deals only on customers that are
            # theirs or nobody's
            if mode == 'create' or 'party' in values:
                parties = [o.party for o in opportunities if o.party]
                Party.sfa_check_claim(parties)
            if (mode == 'create' or 'employee' in values):
                for opportunity in opportunities:
                    owner = opportunity.employee
                    if (owner and owner.id not in User.get_employees()
                            and not User.is_crm_manager()):
                        raise SfaAccessError(gettext(
                                'crm_sfa.msg_deal_owner',
                                deal=opportunity.rec_name,
                                owner=owner.rec_name))

    @classmethod
    def on_modification(cls, mode, opportunities, field_names=None):
        pool = Pool()
        History = pool.get('crm.sfa.stage.history')
        super().on_modification(mode, opportunities, field_names=field_names)
        if mode == 'create' or (mode == 'write' and (
                    not field_names or 'stage' in field_names)):
            History.record(opportunities)

    @classmethod
    def copy(cls, opportunities, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('stage_history')
        default.setdefault('sfa_contacts')
        default.setdefault('stage', cls.default_stage())
        return super().copy(opportunities, default=default)

    @classmethod
    def _set_stage(cls, opportunities, kind):
        "Move to the stage of the outcome kind, with its probability"
        Stage = Pool().get('crm.sfa.stage')
        stage = Stage.of_kind(kind)
        if stage:
            with without_check_access():
                cls.write(list(opportunities), {
                        'stage': stage.id,
                        'conversion_probability': stage.probability,
                        })

    @classmethod
    def won(cls, opportunities):
        super().won(opportunities)
        cls._set_stage(opportunities, 'won')

    @classmethod
    def lost(cls, opportunities):
        super().lost(opportunities)
        cls._set_stage(opportunities, 'lost')


class StageHistory(ModelSQL, ModelView):
    "Append-only: one line each time a deal reaches a stage"
    __name__ = 'crm.sfa.stage.history'
    __string__ = "Deal Stage History"

    opportunity = fields.Many2One(
        'sale.opportunity', "Deal", required=True, readonly=True,
        ondelete='CASCADE')
    stage = fields.Many2One(
        'crm.sfa.stage', "Stage", required=True, readonly=True,
        ondelete='RESTRICT')
    previous_stage = fields.Many2One(
        'crm.sfa.stage', "Previous Stage", readonly=True,
        ondelete='RESTRICT')
    probability = fields.Float("Probability", digits=(1, 4), readonly=True)
    user = fields.Many2One('res.user', "User", readonly=True)
    employee = fields.Many2One(
        'company.employee', "Employee", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('opportunity')
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.opportunity, Index.Range()), (t.id, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def record(cls, opportunities):
        "Add a line for each deal whose last line is not its stage"
        pool = Pool()
        User = pool.get('res.user')
        transaction = Transaction()
        employee = transaction.context.get('employee')
        if employee not in User.get_employees():
            employee = None
        now = dt.datetime.now()
        lines = []
        with without_check_access():
            last = {}
            for line in cls.search([
                        ('opportunity', 'in', [o.id for o in opportunities]),
                        ], order=[('id', 'ASC')]):
                last[line.opportunity.id] = line.stage
            for opportunity in opportunities:
                previous = last.get(opportunity.id)
                if not opportunity.stage or opportunity.stage == previous:
                    continue
                lines.append(cls(
                        opportunity=opportunity,
                        stage=opportunity.stage,
                        previous_stage=previous,
                        probability=opportunity.conversion_probability,
                        user=transaction.user or None,
                        employee=employee,
                        date=now))
            cls.save(lines)
        return lines

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if external:
            raise SfaAccessError(gettext('crm_sfa.msg_stage_history'))


class Competitor(ModelSQL, ModelView):
    __name__ = 'crm.sfa.competitor'
    __string__ = "Competitor"

    opportunity = fields.Many2One(
        'sale.opportunity', "Deal", required=True, ondelete='CASCADE')
    name = fields.Char("Competitor", required=True)
    offer = fields.Numeric("Offer", digits=(16, 2))
    strengths = fields.Text("Strengths")
    weaknesses = fields.Text("Weaknesses")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('opportunity')
        cls._order = [('opportunity', 'ASC'), ('id', 'ASC')]
