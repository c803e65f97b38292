# This file is part of the CRM suite.
"""Member cards: their types and levels, their lifecycle and the entry
points the till and the other modules debit and credit them through."""
import datetime as dt
import logging
import re
from decimal import Decimal

import pwdlib
import pwdlib.hashers.argon2
from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, Workflow,
    fields, sequence_ordered)
from trytond.modules.crm_customer.model import OnChangeAccessMixin
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .configuration import MONEY
from .exceptions import (
    CardAccessError, CardError, CardValidationError, PinError)
from .ledger import CENT, ZERO, line_key
from .statistic import levels_for

logger = logging.getLogger(__name__)
PIN_HASH = pwdlib.PasswordHash([pwdlib.hashers.argon2.Argon2Hasher()])
PIN_FORMAT = re.compile(r'^[0-9]{4,6}$')
# Set by the workflow and the wizards of a card, never by a client
SERVER_FIELDS = {
    'number', 'state', 'level', 'issue_date', 'expiry', 'replaced_by',
    'pin_hash', 'pin_reset'}
# What a client chooses of a card, while it is a draft
DRAFT_FIELDS = {'party', 'type'}


def check_role(groups, action):
    """Refuse action to a user in none of groups (no groups: anyone).
    A wizard runs without access checks once started and the action it says
    it was started from is the client's word, so the wizards that move
    money or cards check the user's role again in their transitions"""
    pool = Pool()
    User = pool.get('res.user')
    if (Transaction().user and groups
            and not groups & set(User.get_groups())):
        raise CardAccessError(gettext(
                'crm_membership.msg_role_refused', action=action))


def check_button_role(name):
    "Refuse the wizard of the card button name to whom the button is not"
    pool = Pool()
    Button = pool.get('ir.model.button')
    model = 'crm.membership.card'
    check_role(Button.get_groups(model, name),
        Button.get_view_attributes(model, name).get('string') or name)


def check_action_role(module, fs_id):
    "Refuse the action with the XML id module.fs_id to whom it is not"
    pool = Pool()
    Action = pool.get('ir.action')
    ModelData = pool.get('ir.model.data')
    action = Action(ModelData.get_id(module, fs_id))
    check_role({g.id for g in action.groups}, action.name)


class CardType(DeactivableMixin, ModelSQL, ModelView):
    "What a card is sold as: stored value, counts of a service or discount"
    __name__ = 'crm.membership.card.type'
    __string__ = "Card Type"

    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection([
            ('stored_value', "Stored Value"),
            ('count', "Count Package"),
            ('discount', "Discount Only"),
            ], "Kind", required=True)
    price = fields.Numeric("Price", digits=MONEY, required=True,
        domain=[('price', '>=', 0)],
        help="What the customer pays for the card; on a stored-value card "
        "it is loaded as principal.")
    validity = fields.Selection([
            ('none', "No Expiry"),
            ('months', "Months from Issue"),
            ('date', "Fixed Date"),
            ], "Validity", required=True)
    validity_months = fields.Integer("Months",
        domain=[If(Eval('validity') == 'months',
                ('validity_months', '>', 0), ())],
        states={
            'invisible': Eval('validity') != 'months',
            'required': Eval('validity') == 'months',
            })
    validity_date = fields.Date("Valid Until",
        states={
            'invisible': Eval('validity') != 'date',
            'required': Eval('validity') == 'date',
            })
    pin_required = fields.Boolean("PIN Required",
        help="Payments with the card need its PIN.")
    registered = fields.Boolean("Registered",
        help="A registered card belongs to a named member (记名卡).")
    bonuses = fields.One2Many(
        'crm.membership.card.type.bonus', 'type', "Top-Up Bonuses",
        states={'invisible': Eval('kind') != 'stored_value'})
    service = fields.Many2One('product.product', "Service",
        domain=[('type', '=', 'service')],
        states={
            'invisible': Eval('kind') != 'count',
            'required': Eval('kind') == 'count',
            })
    service_quantity = fields.Integer("Counts",
        domain=[If(Eval('kind') == 'count',
                ('service_quantity', '>', 0), ())],
        states={
            'invisible': Eval('kind') != 'count',
            'required': Eval('kind') == 'count',
            })

    @classmethod
    def default_kind(cls):
        return 'stored_value'

    @classmethod
    def default_price(cls):
        return ZERO

    @classmethod
    def default_validity(cls):
        return 'none'

    @classmethod
    def default_registered(cls):
        return True

    def compute_expiry(self, date):
        if self.validity == 'months':
            return date + relativedelta(months=self.validity_months)
        elif self.validity == 'date':
            return self.validity_date

    def compute_bonus(self, amount):
        "The bonus of the highest tier the amount reaches"
        reached = [b for b in self.bonuses if amount >= b.amount]
        if reached:
            return max(reached, key=lambda b: b.amount).bonus
        return ZERO


class CardTypeBonus(ModelSQL, ModelView):
    "Pay at least amount, get bonus"
    __name__ = 'crm.membership.card.type.bonus'
    __string__ = "Top-Up Bonus"

    type = fields.Many2One(
        'crm.membership.card.type', "Card Type", required=True,
        ondelete='CASCADE')
    amount = fields.Numeric("From Amount", digits=MONEY, required=True,
        domain=[('amount', '>', 0)])
    bonus = fields.Numeric("Bonus", digits=MONEY, required=True,
        domain=[('bonus', '>=', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('amount', 'ASC'))


class Level(sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    "A member level: its discount, points and how a member reaches it"
    __name__ = 'crm.membership.level'
    __string__ = "Member Level"

    name = fields.Char("Name", required=True, translate=True)
    discount_rate = fields.Numeric("Discount Rate", digits=(16, 4),
        required=True,
        domain=[('discount_rate', '>=', 0), ('discount_rate', '<', 1)],
        help="The share taken off the price, 0.12 for 12 % (88 折).")
    points_per_yuan = fields.Numeric("Points per Yuan", digits=(16, 4),
        required=True, domain=[('points_per_yuan', '>=', 0)])
    excluded_categories = fields.Many2Many(
        'crm.membership.level-product.category', 'level', 'category',
        "Categories without Discount")
    upgrade_amount = fields.Numeric("Upgrade Spend", digits=MONEY,
        required=True, domain=[('upgrade_amount', '>=', 0)],
        help="The spend that brings a member to this level.")
    window_months = fields.Integer("Spend Window", required=True,
        domain=[('window_months', '>=', 0)],
        help="Months of spend counted, back from today; 0 counts all of it.")

    @classmethod
    def default_discount_rate(cls):
        return ZERO

    @classmethod
    def default_points_per_yuan(cls):
        return Decimal(1)

    @classmethod
    def default_upgrade_amount(cls):
        return ZERO

    @classmethod
    def default_window_months(cls):
        return 0


class LevelExcludedCategory(ModelSQL):
    __name__ = 'crm.membership.level-product.category'
    __string__ = "Level - Category without Discount"
    level = fields.Many2One('crm.membership.level', "Level",
        required=True, ondelete='CASCADE')
    category = fields.Many2One('product.category', "Category",
        required=True, ondelete='CASCADE')


class Card(OnChangeAccessMixin, Workflow, ModelSQL, ModelView):
    "A member card and the entry points that move its value"
    __name__ = 'crm.membership.card'
    __string__ = "Member Card"
    _rec_name = 'number'

    number = fields.Char("Number", readonly=True,
        help="Given from the card sequence when the card is issued.")
    party = fields.Many2One('party.party', "Member", ondelete='RESTRICT',
        states={
            'readonly': Eval('state') != 'draft',
            'required': Bool(Eval('registered')),
            })
    type = fields.Many2One('crm.membership.card.type', "Type",
        required=True, ondelete='RESTRICT',
        states={'readonly': Eval('state') != 'draft'})
    kind = fields.Function(fields.Selection(
            'get_kinds', "Kind"), 'on_change_with_kind')
    registered = fields.Function(fields.Boolean("Registered"),
        'on_change_with_registered')
    level = fields.Many2One('crm.membership.level', "Level",
        ondelete='RESTRICT', readonly=True,
        help="Follows the member's spend once the card is issued.")
    issue_date = fields.Date("Issued", readonly=True)
    expiry = fields.Date("Expiry", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ('lost', "Reported Lost"),
            ('frozen', "Frozen"),
            ('expired', "Expired"),
            ('replaced', "Replaced"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)
    replaced_by = fields.Many2One('crm.membership.card', "Replaced By",
        readonly=True, ondelete='RESTRICT',
        states={'invisible': ~Eval('replaced_by')})
    # No one may read it over RPC (ir.model.field.access): a client that
    # reads every field, as proteus does, asks for it only if it wants it
    pin_hash = fields.Char("PIN Hash", readonly=True, strip=False,
        loading='lazy')
    has_pin = fields.Function(fields.Boolean("Has PIN"), 'get_has_pin')
    pin_reset = fields.Timestamp("PIN Attempts Since", readonly=True)
    pin_locked = fields.Function(fields.Boolean("PIN Locked"),
        'get_pin_locked', searcher='search_pin_locked')
    principal = fields.Function(fields.Numeric(
            "Principal", digits=MONEY), 'get_balances')
    bonus = fields.Function(fields.Numeric(
            "Bonus", digits=MONEY), 'get_balances')
    balance = fields.Function(fields.Numeric(
            "Balance", digits=MONEY), 'get_balances')
    points = fields.Function(fields.Integer("Points"), 'get_balances')
    value_lines = fields.One2Many(
        'crm.membership.value.line', 'card', "Stored Value", readonly=True)
    point_lines = fields.One2Many(
        'crm.membership.point.line', 'card', "Points", readonly=True)
    packages = fields.One2Many(
        'crm.membership.package', 'card', "Count Packages", readonly=True)
    logs = fields.One2Many(
        'crm.membership.card.log', 'card', "History", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('number_unique', Unique(t, t.number),
                'crm_membership.msg_card_number_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['active', 'lost', 'frozen'])),
                })
        cls._order.insert(0, ('number', 'DESC NULLS FIRST'))
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'lost'),
            ('lost', 'active'),
            ('active', 'frozen'),
            ('frozen', 'active'),
            ('active', 'replaced'),
            ('lost', 'replaced'),
            ('frozen', 'replaced'),
            ('active', 'cancelled'),
            ('lost', 'cancelled'),
            ('frozen', 'cancelled'),
            ('expired', 'cancelled'),
            ('active', 'expired'),
            }
        cls._buttons.update({
                'issue': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'top_up_wizard': {
                    'invisible': (Eval('state') != 'active')
                    | (Eval('kind') != 'stored_value'),
                    'depends': ['state', 'kind'],
                    },
                'report_lost': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'recover': {
                    'invisible': Eval('state') != 'lost',
                    'depends': ['state'],
                    },
                'freeze': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'unfreeze': {
                    'invisible': Eval('state') != 'frozen',
                    'depends': ['state'],
                    },
                'reissue': {
                    'invisible': ~Eval('state').in_(
                        ['active', 'lost', 'frozen']),
                    'depends': ['state'],
                    },
                'change_pin': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'active', 'lost', 'frozen']),
                    'depends': ['state'],
                    },
                'unlock_pin': {
                    'invisible': ~Eval('pin_locked'),
                    'depends': ['pin_locked'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['active', 'lost', 'frozen', 'expired']),
                    'depends': ['state'],
                    },
                'redeem_wizard': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'adjust_wizard': {
                    'invisible': ~Eval('state').in_(
                        ['active', 'lost', 'frozen']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def get_kinds(cls):
        pool = Pool()
        CardType = pool.get('crm.membership.card.type')
        return CardType.fields_get(['kind'])['kind']['selection']

    @fields.depends('type')
    def on_change_with_kind(self, name=None):
        return self.type.kind if self.type else None

    @fields.depends('type')
    def on_change_with_registered(self, name=None):
        return self.type.registered if self.type else False

    def get_rec_name(self, name):
        number = self.number or gettext('crm_membership.msg_card_unissued')
        if self.party:
            return '%s (%s)' % (number, self.party.rec_name)
        return number

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', operator, operand, *extra),
            ('party.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def read(cls, ids, fields_names):
        # The PIN hash never leaves the server, as Tryton's password hashes
        result = super().read(ids, fields_names)
        cache = Transaction().get_cache().get(cls.__name__)
        for values in result:
            if 'pin_hash' in values:
                values['pin_hash'] = None
            if cache and values['id'] in cache:
                cache[values['id']]['pin_hash'] = None
        return result

    def stored_pin_hash(self):
        "The PIN hash as stored, for the server's checks"
        if self.id is None or self.id < 0:
            return getattr(self, 'pin_hash', None)
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.pin_hash,
                where=table.id == self.id))
        row = cursor.fetchone()
        return row[0] if row else None

    def get_has_pin(self, name):
        return bool(self.stored_pin_hash())

    @classmethod
    def get_balances(cls, cards, names):
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        PointLine = pool.get('crm.membership.point.line')
        ids = [c.id for c in cards]
        result = {n: {} for n in names}
        if {'principal', 'bonus', 'balance'} & set(names):
            for card_id, (principal, bonus) in ValueLine.balances(
                    ids).items():
                for name, value in [('principal', principal),
                        ('bonus', bonus), ('balance', principal + bonus)]:
                    if name in result:
                        result[name][card_id] = value
        if 'points' in names:
            result['points'] = PointLine.balances(ids)
        return result

    @classmethod
    def validate_fields(cls, cards, field_names):
        super().validate_fields(cards, field_names)
        if field_names & {'party', 'type'}:
            for card in cards:
                if card.type.registered and not card.party:
                    raise CardValidationError(gettext(
                            'crm_membership.msg_card_registered_party',
                            type=card.type.rec_name))

    @classmethod
    def check_modification(cls, mode, cards, values=None, external=False):
        super().check_modification(
            mode, cards, values=values, external=external)
        if not external:
            return
        # A client creates a draft card with its member and type; the rest
        # comes from the buttons and the wizards, which check the role
        for card in cards:
            if mode == 'create':
                names = {n for n in SERVER_FIELDS - {'state', 'pin_hash'}
                    if getattr(card, n) is not None}
                if card.state != 'draft':
                    names.add('state')
                if card.stored_pin_hash():
                    names.add('pin_hash')
            elif mode == 'write':
                names = SERVER_FIELDS & values.keys()
                if DRAFT_FIELDS & values.keys() and card.state != 'draft':
                    raise CardAccessError(gettext(
                            'crm_membership.msg_card_draft_field',
                            card=card.rec_name))
            else:
                names = set()
            if names:
                raise CardAccessError(gettext(
                        'crm_membership.msg_card_server_field',
                        card=card.rec_name, **cls.__names__(min(names))))

    @classmethod
    def copy(cls, cards, default=None):
        if cards:
            raise CardError(gettext('crm_membership.msg_card_copy'))
        return super().copy(cards, default=default)

    @classmethod
    def delete(cls, cards):
        for card in cards:
            if card.state != 'draft':
                raise CardError(gettext(
                        'crm_membership.msg_card_delete_issued',
                        card=card.rec_name))
        super().delete(cards)

    # History

    @classmethod
    def add_history(cls, cards, action, note=None):
        pool = Pool()
        Log = pool.get('crm.membership.card.log')
        Log.save([Log(card=c, action=action, note=note) for c in cards])

    # Checks shared by the entry points

    @staticmethod
    def _amount(amount):
        "amount as yuan and fen, refused when not positive"
        amount = Decimal(str(amount)) if amount is not None else None
        if amount is None or amount <= 0 or amount != amount.quantize(CENT):
            raise CardError(gettext('crm_membership.msg_amount_invalid',
                    amount=amount))
        return amount

    def check_usable(self, date=None):
        "Refuse any movement on a card that is not active and valid"
        if self.state != 'active':
            raise CardError(gettext(
                    'crm_membership.msg_card_not_active_%s' % self.state,
                    card=self.rec_name))
        date = date or Pool().get('ir.date').today()
        if self.expiry and self.expiry < date:
            raise CardError(gettext('crm_membership.msg_card_expired',
                    card=self.rec_name, expiry=self.expiry))

    def _check_limit(self, principal, bonus):
        "Refuse a balance above the prepaid-card limit of the card"
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        config = Configuration(1)
        if self.type.registered:
            limit = config.registered_balance_limit
        else:
            limit = config.anonymous_balance_limit
        if principal + bonus > limit:
            raise CardError(gettext('crm_membership.msg_card_limit',
                    card=self.rec_name, balance=principal + bonus,
                    limit=limit))

    def _check_real_name(self, amount):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        config = Configuration(1)
        if amount >= config.real_name_amount and not (
                self.party and self.party.id_card_number):
            raise CardError(gettext('crm_membership.msg_card_real_name',
                    amount=amount, limit=config.real_name_amount))

    # PIN

    @classmethod
    def hash_pin(cls, pin):
        if not pin or not PIN_FORMAT.match(pin):
            raise PinError(gettext('crm_membership.msg_pin_format'))
        return PIN_HASH.hash(pin)

    def _pin_lock(self, now=None):
        """The time until which the card is locked by wrong PINs, or None;
        and how many attempts are left"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Failure = pool.get('crm.membership.card.pin_failure')
        config = Configuration(1)
        domain = [('card', '=', self.id)]
        if self.pin_reset:
            domain.append(('create_date', '>', self.pin_reset))
        with without_check_access():
            failures = Failure.search(domain, order=[('create_date', 'ASC')])
        count, locked_until = 0, None
        for failure in failures:
            if locked_until and failure.create_date >= locked_until:
                count, locked_until = 0, None
            count += 1
            if count >= config.pin_attempts and not locked_until:
                locked_until = (failure.create_date + dt.timedelta(
                        minutes=config.pin_lock_minutes)
                    if config.pin_lock_minutes else dt.datetime.max)
        now = now or dt.datetime.now()
        if locked_until and locked_until <= now:
            count, locked_until = 0, None
        return locked_until, config.pin_attempts - count

    @classmethod
    def get_pin_locked(cls, cards, name):
        return {c.id: bool(c.stored_pin_hash()) and bool(c._pin_lock()[0])
            for c in cards}

    @classmethod
    def search_pin_locked(cls, name, clause):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Failure = pool.get('crm.membership.card.pin_failure')
        _, operator, value = clause[:3]
        if operator not in {'=', '!='} or not isinstance(value, bool):
            return [('id', '=', -1)]
        # A lock starts at a failure that is younger than the lock lasts
        domain = []
        minutes = Configuration(1).pin_lock_minutes
        if minutes:
            domain.append(('create_date', '>',
                    dt.datetime.now() - dt.timedelta(minutes=minutes)))
        with without_check_access():
            cards = cls.browse({f.card.id for f in Failure.search(domain)})
        locked = [i for i, l in cls.get_pin_locked(cards, name).items() if l]
        if (operator == '=') == value:
            return [('id', 'in', locked)]
        return [('id', 'not in', locked)]

    def check_pin(self, pin):
        """Refuse a wrong PIN; wrong ones are counted even though the
        refusal undoes everything else the transaction did"""
        pin_hash = self.stored_pin_hash()
        if not pin_hash:
            return
        locked_until, left = self._pin_lock()
        if locked_until:
            raise PinError(gettext('crm_membership.msg_pin_locked',
                    card=self.rec_name))
        if pin and PIN_HASH.verify(pin, pin_hash):
            return
        transaction = Transaction()
        transaction.atexit(_record_pin_failure, transaction.database.name,
            transaction.user, dict(transaction.context), self.id)
        if left <= 1:
            raise PinError(gettext('crm_membership.msg_pin_locked',
                    card=self.rec_name))
        raise PinError(gettext('crm_membership.msg_pin_wrong',
                card=self.rec_name, left=left - 1))

    def _check_pin_for_payment(self, pin):
        pin_hash = self.stored_pin_hash()
        if self.type.pin_required or pin_hash:
            if self.type.pin_required and not pin_hash:
                raise PinError(gettext('crm_membership.msg_pin_not_set',
                        card=self.rec_name))
            self.check_pin(pin)

    # Entry points: each locks the card before it reads a balance

    @classmethod
    def _lock(cls, card):
        "Lock the card and read it again"
        cls.lock([card])
        return cls(card.id)

    @classmethod
    def debit(cls, card, amount, origin=None, pin=None, key=None,
            date=None, spend=True):
        """Pay amount from the stored value of card and return the payment
        line; with the key of an earlier debit, return its line.
        With spend, the payment is a visit of the member who spent amount
        (the till, which counts the whole sale itself, passes False)"""
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        Configuration = pool.get('crm.configuration')
        amount = cls._amount(amount)
        card = cls._lock(card)
        if done := ValueLine.by_key(key):
            return done[0]
        card.check_usable(date)
        card._check_pin_for_payment(pin)
        (principal, bonus), = ValueLine.balances([card.id]).values()
        if principal + bonus < amount:
            raise CardError(gettext('crm_membership.msg_card_overdrawn',
                    card=card.rec_name, balance=principal + bonus,
                    amount=amount))
        # The order of the buckets matters only to a card that holds both
        order = (Configuration(1).bucket_order if principal and bonus
            else 'principal')
        if order == 'principal':
            from_principal = min(principal, amount)
        elif order == 'bonus':
            from_principal = amount - min(bonus, amount)
        else:
            share = (amount * principal / (principal + bonus)).quantize(CENT)
            from_principal = min(principal, max(amount - bonus, share))
        line = ValueLine(card=card, kind='payment',
            principal=-from_principal, bonus=-(amount - from_principal),
            origin=origin, key=key)
        if date:
            line.date = date
        line.save()
        if spend:
            card._record_spend(amount, line.date)
        return line

    @classmethod
    def credit(cls, card, amount, origin=None, key=None, payment=None,
            reason=None, approved_by=None, spend=True):
        """Give amount back to card: into the buckets a payment took it from
        when payment is given, never more than it took, and with spend take
        it off what the member spent; otherwise as principal, a manual
        adjustment with its reason"""
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        amount = cls._amount(amount)
        card = cls._lock(card)
        if done := ValueLine.by_key(key):
            return done[0]
        if card.state != 'active':
            card.check_usable()
        if payment:
            if payment.card != card or payment.kind != 'payment':
                raise CardError(gettext(
                        'crm_membership.msg_refund_not_payment',
                        card=card.rec_name))
            refunded_principal, refunded_bonus = ValueLine.refunded(
                [payment.id])[payment.id]
            open_principal = -payment.principal - refunded_principal
            open_bonus = -payment.bonus - refunded_bonus
            if amount > open_principal + open_bonus:
                raise CardError(gettext(
                        'crm_membership.msg_refund_too_much',
                        amount=amount, left=open_principal + open_bonus))
            if amount == open_principal + open_bonus:
                to_principal = open_principal
            else:
                to_principal = (amount * -payment.principal
                    / -(payment.principal + payment.bonus)).quantize(CENT)
                to_principal = min(to_principal, open_principal)
            line = ValueLine(card=card, kind='refund',
                principal=to_principal, bonus=amount - to_principal,
                reversal_of=payment, origin=origin, key=key)
        else:
            if not reason:
                raise CardError(gettext(
                        'crm_membership.msg_adjustment_reason'))
            line = ValueLine(card=card, kind='adjustment',
                principal=amount, bonus=ZERO, reason=reason,
                approved_by=approved_by, origin=origin, key=key)
        (principal, bonus), = ValueLine.balances([card.id]).values()
        card._check_limit(principal + line.principal, bonus + line.bonus)
        line.save()
        if payment and spend:
            card._record_spend(-amount, line.date, visit=False)
        return line

    @classmethod
    def top_up(cls, card, amount, origin=None, key=None):
        """Load amount paid onto card, with the bonus of its type's tiers;
        return the line"""
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        amount = cls._amount(amount)
        card = cls._lock(card)
        if done := ValueLine.by_key(key):
            return done[0]
        card.check_usable()
        if card.type.kind != 'stored_value':
            raise CardError(gettext('crm_membership.msg_card_not_stored',
                    card=card.rec_name))
        card._check_real_name(amount)
        bonus = card.type.compute_bonus(amount)
        (principal, bonus_balance), = ValueLine.balances([card.id]).values()
        card._check_limit(principal + amount, bonus_balance + bonus)
        line = ValueLine(card=card, kind='top_up', principal=amount,
            bonus=bonus, origin=origin, key=key)
        line.save()
        cls.add_history([card], 'top_up', note=str(amount))
        return line

    @classmethod
    def earn_points(cls, card, points, origin=None, key=None, date=None):
        "Add points to card, valid for the configured months"
        pool = Pool()
        PointLine = pool.get('crm.membership.point.line')
        Configuration = pool.get('crm.configuration')
        Date = pool.get('ir.date')
        if not isinstance(points, int) or points <= 0:
            raise CardError(gettext('crm_membership.msg_points_invalid',
                    points=points))
        card = cls._lock(card)
        if done := PointLine.by_key(key):
            return done
        card.check_usable()
        date = date or Date.today()
        validity = Configuration(1).point_validity
        line = PointLine(card=card, kind='earn', points=points, date=date,
            expiry=date + relativedelta(months=validity, days=-1)
            if validity else None,
            origin=origin, key=key)
        line.save()
        return [line]

    @classmethod
    def spend_points(cls, card, points, origin=None, pin=None, key=None,
            kind='spend'):
        "Take points from card, the soonest to expire first"
        pool = Pool()
        PointLine = pool.get('crm.membership.point.line')
        Date = pool.get('ir.date')
        if not isinstance(points, int) or points <= 0:
            raise CardError(gettext('crm_membership.msg_points_invalid',
                    points=points))
        card = cls._lock(card)
        if done := PointLine.by_key(key):
            return done
        card.check_usable()
        card._check_pin_for_payment(pin)
        lines = cls._take_points(card, points, kind, Date.today(), origin,
            key)
        PointLine.save(lines)
        return lines

    @classmethod
    def redeem(cls, card, product, quantity=1, pin=None, key=None):
        """Give quantity of the gift product for its points; return the
        point lines"""
        points = product.template.redeem_points
        if not points:
            raise CardError(gettext('crm_membership.msg_not_redeemable',
                    product=product.rec_name))
        return cls.spend_points(card, points * quantity,
            origin=product, pin=pin, key=key, kind='redeem')

    @classmethod
    def pay_with_points(cls, card, amount, origin=None, pin=None, key=None,
            spend=True):
        """Pay amount in points at the configured value of a point; return
        the point lines. With spend it is a visit of the member, but points
        are not money spent"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        PointLine = pool.get('crm.membership.point.line')
        Date = pool.get('ir.date')
        amount = cls._amount(amount)
        value = Configuration(1).point_value
        points = amount / value
        if points != int(points):
            raise CardError(gettext('crm_membership.msg_points_amount',
                    amount=amount, value=value))
        card = cls._lock(card)
        if done := PointLine.by_key(key):
            return done
        lines = cls.spend_points(card, int(points), origin=origin, pin=pin,
            key=key)
        if spend:
            card._record_spend(ZERO, Date.today())
        return lines

    @classmethod
    def adjust(cls, card, principal=ZERO, bonus=ZERO, points=0, reason=None,
            approved_by=None, key=None):
        """Correct the stored value and the points of card by the signed
        amounts, with the reason and who approved it; return the lines"""
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        PointLine = pool.get('crm.membership.point.line')
        Configuration = pool.get('crm.configuration')
        Date = pool.get('ir.date')
        if not reason:
            raise CardError(gettext('crm_membership.msg_adjustment_reason'))
        principal, bonus = Decimal(principal or 0), Decimal(bonus or 0)
        for value in [principal, bonus]:
            if value != value.quantize(CENT):
                raise CardError(gettext('crm_membership.msg_amount_invalid',
                        amount=value))
        card = cls._lock(card)
        if done := (ValueLine.by_key(key) + PointLine.by_key(key)):
            return done
        # Every refusal comes before the first line is written
        point_lines = []
        today = Date.today()
        if points > 0:
            validity = Configuration(1).point_validity
            point_lines.append(PointLine(card=card, kind='adjustment',
                    points=points,
                    expiry=today + relativedelta(months=validity, days=-1)
                    if validity else None))
        elif points < 0:
            point_lines = cls._take_points(card, -points, 'adjustment', today)
        lines = []
        if principal or bonus:
            (held_principal, held_bonus), = ValueLine.balances(
                [card.id]).values()
            if held_principal + principal < 0 or held_bonus + bonus < 0:
                raise CardError(gettext('crm_membership.msg_card_overdrawn',
                        card=card.rec_name,
                        balance=held_principal + held_bonus,
                        amount=-(principal + bonus)))
            card._check_limit(held_principal + principal, held_bonus + bonus)
            lines.append(ValueLine(card=card, kind='adjustment',
                    principal=principal, bonus=bonus, reason=reason,
                    approved_by=approved_by, key=key))
        for index, line in enumerate(point_lines, 1):
            line.reason = reason
            line.approved_by = approved_by
            line.key = line_key(key, index)
        ValueLine.save(lines)
        PointLine.save(point_lines)
        return lines + point_lines

    @classmethod
    def _take_points(cls, card, points, kind, date, origin=None, key=None):
        pool = Pool()
        PointLine = pool.get('crm.membership.point.line')
        earnings = PointLine.open_earnings(card.id, date)
        available = sum(left for _, left in earnings)
        if available < points:
            raise CardError(gettext('crm_membership.msg_points_short',
                    card=card.rec_name, points=available, asked=points))
        lines = []
        for earning, left in earnings:
            if not points:
                break
            taken = min(left, points)
            points -= taken
            lines.append(PointLine(card=card, kind=kind, points=-taken,
                    earning=earning, origin=origin,
                    key=line_key(key, len(lines))))
        return lines

    @classmethod
    def refund_points(cls, card, spent, origin=None, key=None, points=None):
        """Give back to the earnings they came from the points of the spend
        lines (or take back those of earn lines, as a refunded sale does);
        with points, only that many of them, the rest left for later"""
        pool = Pool()
        PointLine = pool.get('crm.membership.point.line')
        card = cls._lock(card)
        if done := PointLine.by_key(key):
            return done
        reversed_ = {}
        for line in PointLine.search([
                    ('reversal_of', 'in', [x.id for x in spent]),
                    ]):
            reversed_.setdefault(line.reversal_of.id, 0)
            reversed_[line.reversal_of.id] += abs(line.points)
        left = {x.id: abs(x.points) - reversed_.get(x.id, 0) for x in spent}
        if (any(x.card != card for x in spent)
                or (points is None and any(reversed_.values()))
                or (points is not None
                    and not 0 <= points <= sum(left.values()))):
            raise CardError(gettext(
                    'crm_membership.msg_points_refunded',
                    card=card.rec_name))
        wanted = sum(left.values()) if points is None else points
        lines = []
        for line in spent:
            count = min(left[line.id], wanted)
            if count <= 0:
                continue
            wanted -= count
            if line.kind == 'earn':
                lines.extend(cls._take_back(card, line, origin, key,
                        len(lines), count))
            else:
                lines.append(PointLine(card=card, kind='refund',
                        points=count, earning=line.earning,
                        reversal_of=line, origin=origin,
                        key=line_key(key, len(lines))))
        PointLine.save([x for x in lines if x.points])
        return lines

    @classmethod
    def _take_back(cls, card, earning, origin, key, index, points):
        """Reverse points of an earning: from what is left of it, then from
        the other points of the card; refused when the card has spent them,
        as a refund would leave the member the points of what was given
        back"""
        pool = Pool()
        PointLine = pool.get('crm.membership.point.line')
        lines = []
        for open_earning, left in sorted(PointLine.open_earnings(card.id),
                key=lambda e: e[0] != earning):
            taken = min(left, points + sum(x.points for x in lines))
            if taken <= 0:
                break
            lines.append(PointLine(card=card, kind='refund', points=-taken,
                    earning=open_earning, reversal_of=earning, origin=origin,
                    key=line_key(key, index + len(lines))))
        short = points + sum(x.points for x in lines)
        if short > 0:
            raise CardError(gettext('crm_membership.msg_points_spent',
                    card=card.rec_name, points=points, short=short))
        return lines

    @classmethod
    def add_package(cls, card, product, quantity, expiry=None, origin=None,
            key=None, kind='purchase'):
        "Add a package of quantity counts of the service product to card"
        pool = Pool()
        Package = pool.get('crm.membership.package')
        PackageLine = pool.get('crm.membership.package.line')
        if not isinstance(quantity, int) or quantity <= 0:
            raise CardError(gettext('crm_membership.msg_counts_invalid',
                    counts=quantity))
        card = cls._lock(card)
        if done := PackageLine.by_key(key):
            return done[0].package
        if card.state not in {'draft', 'active'}:
            card.check_usable()
        package = Package(card=card, product=product, quantity=quantity,
            expiry=expiry or card.expiry)
        package.save()
        PackageLine(package=package, kind=kind, quantity=quantity,
            origin=origin, key=key).save()
        return package

    @classmethod
    def use_package(cls, package, quantity=1, employee=None, origin=None,
            pin=None, key=None, date=None, spend=True):
        """Use quantity counts of package, done by employee; with spend it
        is a visit of the member (paid for when the package was bought)"""
        pool = Pool()
        PackageLine = pool.get('crm.membership.package.line')
        Package = pool.get('crm.membership.package')
        Date = pool.get('ir.date')
        if not isinstance(quantity, int) or quantity <= 0:
            raise CardError(gettext('crm_membership.msg_counts_invalid',
                    counts=quantity))
        card = cls._lock(package.card)
        if done := PackageLine.by_key(key):
            return done[0]
        card.check_usable(date)
        card._check_pin_for_payment(pin)
        package = Package(package.id)
        date = date or Date.today()
        if package.expiry and package.expiry < date:
            raise CardError(gettext('crm_membership.msg_package_expired',
                    package=package.product.rec_name, expiry=package.expiry))
        left, = PackageLine.balances([package.id]).values()
        if left < quantity:
            raise CardError(gettext('crm_membership.msg_package_short',
                    package=package.product.rec_name, left=left,
                    asked=quantity))
        line = PackageLine(package=package, kind='use', quantity=-quantity,
            employee=employee, origin=origin, key=key, date=date)
        line.save()
        if spend:
            card._record_spend(ZERO, date)
        return line

    def _record_spend(self, amount, date, visit=True):
        "Count amount spent on date in the statistics of the card's member"
        pool = Pool()
        Party = pool.get('party.party')
        if self.party:
            Party.record_spend(self.party, amount, date, visit=visit)

    @classmethod
    def refund_package(cls, use, origin=None, key=None):
        "Give back to its package the counts of a use line; return the line"
        pool = Pool()
        PackageLine = pool.get('crm.membership.package.line')
        cls._lock(use.package.card)
        if done := PackageLine.by_key(key):
            return done[0]
        if use.kind != 'use' or PackageLine.search([
                    ('reversal_of', '=', use.id),
                    ]):
            raise CardError(gettext('crm_membership.msg_package_refunded',
                    package=use.package.product.rec_name))
        line = PackageLine(package=use.package, kind='refund',
            quantity=-use.quantity, reversal_of=use, origin=origin, key=key)
        line.save()
        return line

    # Lifecycle

    @classmethod
    @ModelView.button_action('crm_membership.wizard_card_issue')
    def issue(cls, cards):
        pass

    @classmethod
    @Workflow.transition('active')
    def _activate(cls, cards):
        pass

    @classmethod
    def do_issue(cls, cards, amount=None, pin=None, key=None, load=True):
        """Give each draft card its number and expiry and, with load, what
        was paid for it: amount (the type's price by default) onto a
        stored-value card, the type's counts onto a count card"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        ValueLine = pool.get('crm.membership.value.line')
        Level = pool.get('crm.membership.level')
        Date = pool.get('ir.date')
        config = Configuration(1)
        today = Date.today()
        levels = Level.search([], limit=1)
        for card in cards:
            if card.state != 'draft':
                raise CardError(gettext('crm_membership.msg_card_issued',
                        card=card.rec_name))
            card.number = config.card_sequence.get()
            card.issue_date = today
            card.expiry = card.type.compute_expiry(today)
            if not card.level and levels:
                card.level, = levels
            if pin:
                card.pin_hash = cls.hash_pin(pin)
            elif card.type.pin_required and not card.stored_pin_hash():
                raise PinError(gettext('crm_membership.msg_pin_not_set',
                        card=card.rec_name))
        cls.save(cards)
        lines = []
        for card in cards if load else []:
            paid = card.type.price if amount is None else Decimal(amount)
            if card.type.kind == 'stored_value' and paid:
                paid = cls._amount(paid)
                card._check_real_name(paid)
                bonus = card.type.compute_bonus(paid)
                card._check_limit(paid, bonus)
                lines.append(ValueLine(card=card, kind='issue',
                        principal=paid, bonus=bonus, key=key,
                        origin=card))
        ValueLine.save(lines)
        for card in cards if load else []:
            if card.type.kind == 'count':
                cls.add_package(card, card.type.service,
                    card.type.service_quantity, card.expiry, origin=card)
        cls._activate(cards)
        cls.add_history(cards, 'issue')

    @classmethod
    @ModelView.button_action('crm_membership.wizard_card_top_up')
    def top_up_wizard(cls, cards):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('lost')
    def report_lost(cls, cards):
        cls.add_history(cards, 'lost')

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def recover(cls, cards):
        cls.add_history(cards, 'recovered')

    @classmethod
    @ModelView.button
    @Workflow.transition('frozen')
    def freeze(cls, cards):
        cls.add_history(cards, 'frozen')

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def unfreeze(cls, cards):
        cls.add_history(cards, 'unfrozen')

    @classmethod
    @ModelView.button_action('crm_membership.wizard_card_adjust')
    def adjust_wizard(cls, cards):
        pass

    @classmethod
    @ModelView.button_action('crm_membership.wizard_card_redeem')
    def redeem_wizard(cls, cards):
        pass

    @classmethod
    @ModelView.button_action('crm_membership.wizard_card_reissue')
    def reissue(cls, cards):
        pass

    @classmethod
    @Workflow.transition('replaced')
    def _replace(cls, cards):
        pass

    @classmethod
    def do_reissue(cls, card):
        """Replace card by a new card with a new number that takes over its
        stored value, points and packages; return the new card"""
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        PointLine = pool.get('crm.membership.point.line')
        Package = pool.get('crm.membership.package')
        PackageLine = pool.get('crm.membership.package.line')
        card = cls._lock(card)
        if card.state not in {'active', 'lost', 'frozen'}:
            card.check_usable()
        new = cls(party=card.party, type=card.type, level=card.level,
            pin_hash=card.stored_pin_hash())
        new.save()
        cls.do_issue([new], load=False)
        new.expiry = card.expiry
        new.save()

        (principal, bonus), = ValueLine.balances([card.id]).values()
        if principal or bonus:
            ValueLine.save([
                    ValueLine(card=card, kind='transfer',
                        principal=-principal, bonus=-bonus, origin=new),
                    ValueLine(card=new, kind='transfer',
                        principal=principal, bonus=bonus, origin=card),
                    ])
        point_lines = []
        for earning, left in PointLine.open_earnings(card.id):
            point_lines.append(PointLine(card=card, kind='transfer',
                    points=-left, earning=earning, origin=new))
            point_lines.append(PointLine(card=new, kind='transfer',
                    points=left, expiry=earning.expiry, date=earning.date,
                    origin=card))
        PointLine.save(point_lines)
        for package in card.packages:
            left = package.remaining
            if left <= 0:
                continue
            moved = Package(card=new, product=package.product,
                quantity=left, expiry=package.expiry)
            moved.save()
            PackageLine.save([
                    PackageLine(package=package, kind='transfer',
                        quantity=-left, origin=new),
                    PackageLine(package=moved, kind='transfer',
                        quantity=left, origin=card),
                    ])
        cls._replace([card])
        card.replaced_by = new
        card.save()
        cls.add_history([card], 'replaced', note=new.number)
        cls.add_history([new], 'replacing', note=card.number)
        return new

    @classmethod
    @ModelView.button_action('crm_membership.wizard_card_change_pin')
    def change_pin(cls, cards):
        pass

    def set_pin(self, new_pin, old_pin=None):
        "Change the PIN; the old one is asked unless a manager changes it"
        User = Pool().get('res.user')
        if self.stored_pin_hash() and not User.is_crm_manager():
            self.check_pin(old_pin)
        self.pin_hash = self.hash_pin(new_pin)
        self.pin_reset = dt.datetime.now()
        self.save()
        self.add_history([self], 'pin')

    @classmethod
    @ModelView.button
    def unlock_pin(cls, cards):
        User = Pool().get('res.user')
        if not User.is_crm_manager():
            raise PinError(gettext('crm_membership.msg_pin_unlock_manager'))
        cls.write(cards, {'pin_reset': dt.datetime.now()})
        cls.add_history(cards, 'unlocked')

    @classmethod
    @ModelView.button_action('crm_membership.wizard_card_cancel')
    def cancel(cls, cards):
        pass

    @classmethod
    @Workflow.transition('cancelled')
    def _cancel(cls, cards):
        pass

    @classmethod
    def do_cancel(cls, card, key=None):
        """Cancel card: its principal is paid back to the member (the amount
        returned), its bonus, points and counts are forfeited"""
        pool = Pool()
        ValueLine = pool.get('crm.membership.value.line')
        PointLine = pool.get('crm.membership.point.line')
        PackageLine = pool.get('crm.membership.package.line')
        card = cls._lock(card)
        if done := ValueLine.by_key(key):
            return -done[0].principal
        if card.state not in {'active', 'lost', 'frozen', 'expired'}:
            card.check_usable()
        (principal, bonus), = ValueLine.balances([card.id]).values()
        ValueLine(card=card, kind='cancel', principal=-principal,
            bonus=-bonus, origin=card, key=key).save()
        PointLine.save([
                PointLine(card=card, kind='cancel', points=-left,
                    earning=earning, origin=card)
                for earning, left in PointLine.open_earnings(card.id)])
        PackageLine.save([
                PackageLine(package=p, kind='cancel', quantity=-p.remaining,
                    origin=card)
                for p in card.packages if p.remaining > 0])
        cls._cancel([card])
        cls.add_history([card], 'cancelled', note=str(principal))
        return principal

    # Levels

    @classmethod
    def update_levels(cls, cards, date=None):
        """Give each registered card the level its member's spend reaches,
        up or down, and log the change"""
        pool = Pool()
        Level = pool.get('crm.membership.level')
        Change = pool.get('crm.membership.level.change')
        Date = pool.get('ir.date')
        date = date or Date.today()
        cards = [c for c in cards if c.party]
        levels = Level.search([])
        order = {x.id: i for i, x in enumerate(levels)}
        reached = levels_for({c.party for c in cards}, date, levels=levels)
        changes = []
        for card in cards:
            if not reached.get(card.party.id):
                continue
            level, spend = reached[card.party.id]
            if level == card.level:
                continue
            direction = 'up'
            if card.level and order.get(card.level.id, -1) > order[level.id]:
                direction = 'down'
            changes.append(Change(card=card, party=card.party, date=date,
                    from_level=card.level, to_level=level,
                    direction=direction, spend=spend))
            card.level = level
        cls.save(cards)
        Change.save(changes)
        return changes

    # Scheduled

    @classmethod
    @Workflow.transition('expired')
    def _expire(cls, cards):
        pass

    @classmethod
    def expire_cards(cls, date=None):
        "Cards past their expiry are expired; their counts too"
        pool = Pool()
        Date = pool.get('ir.date')
        Package = pool.get('crm.membership.package')
        PackageLine = pool.get('crm.membership.package.line')
        date = date or Date.today()
        cards = cls.search([
                ('state', '=', 'active'),
                ('expiry', '<', date),
                ])
        cls._expire(cards)
        cls.add_history(cards, 'expired')
        packages = Package.search([
                ('expiry', '<', date),
                ('card.state', 'in', ['active', 'lost', 'frozen', 'expired']),
                ])
        PackageLine.save([
                PackageLine(package=p, kind='expire', quantity=-p.remaining,
                    date=date)
                for p in packages if p.remaining > 0])

    @classmethod
    def expire_points(cls, date=None):
        "Points earned with an expiry before date are taken away"
        pool = Pool()
        Date = pool.get('ir.date')
        PointLine = pool.get('crm.membership.point.line')
        date = date or Date.today()
        earnings = PointLine.search([
                ('kind', 'in', ['earn', 'transfer', 'migration',
                        'adjustment']),
                ('points', '>', 0),
                ('earning', '=', None),
                ('expiry', '<', date),
                ])
        lines = []
        for card in {e.card for e in earnings}:
            for earning, left in PointLine.open_earnings(card.id):
                if earning.expiry and earning.expiry < date:
                    lines.append(PointLine(card=card, kind='expire',
                            points=-left, earning=earning, date=date))
        PointLine.save(lines)


def _record_pin_failure(database, user, context, card_id):
    """Count a wrong PIN in a transaction of its own, once the card is free;
    a card the undone request created is gone and needs no count"""
    try:
        with Transaction(new=True).start(database, user, context=context):
            pool = Pool()
            Card = pool.get('crm.membership.card')
            Failure = pool.get('crm.membership.card.pin_failure')
            with without_check_access():
                if Card.search([('id', '=', card_id)]):
                    Failure.create([{'card': card_id}])
    except Exception:
        # Raised here, it would reach the request that already ended
        logger.exception("could not count a wrong PIN of card %s", card_id)


class CardLog(ModelSQL, ModelView):
    "What was done to a card, by whom and when"
    __name__ = 'crm.membership.card.log'
    __string__ = "Card History"

    card = fields.Many2One('crm.membership.card', "Card", required=True,
        readonly=True, ondelete='CASCADE')
    action = fields.Selection([
            ('issue', "Issued"),
            ('top_up', "Topped Up"),
            ('lost', "Reported Lost"),
            ('recovered', "Found Again"),
            ('frozen', "Frozen"),
            ('unfrozen', "Unfrozen"),
            ('replaced', "Replaced"),
            ('replacing', "Replacement"),
            ('pin', "PIN Changed"),
            ('unlocked', "PIN Unlocked"),
            ('cancelled', "Cancelled"),
            ('expired', "Expired"),
            ('migrated', "Migrated"),
            ], "Action", required=True, readonly=True)
    note = fields.Char("Note", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.card, Index.Range())))
        cls._order.insert(0, ('create_date', 'DESC'))
        cls._order.insert(1, ('id', 'DESC'))


class CardPinFailure(ModelSQL):
    "A wrong PIN entered for a card"
    __name__ = 'crm.membership.card.pin_failure'
    __string__ = "Card PIN Failure"

    card = fields.Many2One('crm.membership.card', "Card", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.card, Index.Range()), (t.create_date, Index.Range())))


class CardIssueStart(ModelView):
    "Issue a card"
    __name__ = 'crm.membership.card.issue.start'
    __string__ = "Issue Card"

    card = fields.Many2One('crm.membership.card', "Card", readonly=True)
    kind = fields.Selection('get_kinds', "Kind", readonly=True)
    amount = fields.Numeric("Amount Paid", digits=MONEY, required=True,
        domain=[('amount', '>=', 0)],
        states={'readonly': Eval('kind') != 'stored_value'},
        help="Loaded as principal onto a stored-value card.")
    bonus = fields.Numeric("Bonus", digits=MONEY, readonly=True)
    pin_required = fields.Boolean("PIN Required", readonly=True)
    pin = fields.Char("PIN", strip=False,
        states={'required': Bool(Eval('pin_required'))})
    pin_again = fields.Char("PIN Again", strip=False,
        states={'required': Bool(Eval('pin'))})

    @classmethod
    def get_kinds(cls):
        return Pool().get('crm.membership.card').get_kinds()

    @fields.depends('card', 'amount', 'kind')
    def on_change_amount(self):
        if self.card and self.amount and self.kind == 'stored_value':
            self.bonus = self.card.type.compute_bonus(self.amount)
        else:
            self.bonus = ZERO


def _check_pins(start):
    if (start.pin or None) != (start.pin_again or None):
        raise PinError(gettext('crm_membership.msg_pin_mismatch'))


class CardIssue(Wizard):
    "Issue a card: number, expiry and what was paid for it"
    __name__ = 'crm.membership.card.issue'

    start = StateView('crm.membership.card.issue.start',
        'crm_membership.card_issue_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Issue", 'issue', 'tryton-ok', default=True),
            ])
    issue = StateTransition()

    def default_start(self, fields):
        card = self.record
        amount = card.type.price
        return {
            'card': card.id,
            'kind': card.type.kind,
            'amount': amount,
            'bonus': (card.type.compute_bonus(amount)
                if card.type.kind == 'stored_value' else ZERO),
            'pin_required': card.type.pin_required,
            }

    def transition_issue(self):
        check_button_role('issue')
        _check_pins(self.start)
        self.model.do_issue([self.record], amount=self.start.amount,
            pin=self.start.pin or None)
        return 'end'


class CardTopUpStart(ModelView):
    "Top up a card"
    __name__ = 'crm.membership.card.top_up.start'
    __string__ = "Top Up Card"

    card = fields.Many2One('crm.membership.card', "Card", readonly=True)
    balance = fields.Numeric("Balance", digits=MONEY, readonly=True)
    amount = fields.Numeric("Amount Paid", digits=MONEY, required=True,
        domain=[('amount', '>', 0)])
    bonus = fields.Numeric("Bonus", digits=MONEY, readonly=True)

    @fields.depends('card', 'amount')
    def on_change_amount(self):
        if self.card and self.amount:
            self.bonus = self.card.type.compute_bonus(self.amount)
        else:
            self.bonus = ZERO


class CardTopUp(Wizard):
    "Load money paid onto a card, with its bonus"
    __name__ = 'crm.membership.card.top_up'

    start = StateView('crm.membership.card.top_up.start',
        'crm_membership.card_top_up_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Top Up", 'top_up', 'tryton-ok', default=True),
            ])
    top_up = StateTransition()

    def default_start(self, fields):
        return {
            'card': self.record.id,
            'balance': self.record.balance,
            'bonus': ZERO,
            }

    def transition_top_up(self):
        check_button_role('top_up_wizard')
        self.model.top_up(self.record, self.start.amount,
            key='top_up-%s' % self._session_id)
        return 'end'


class CardReissueStart(ModelView):
    "Re-issue a card"
    __name__ = 'crm.membership.card.reissue.start'
    __string__ = "Re-Issue Card"

    card = fields.Many2One('crm.membership.card', "Card", readonly=True)
    balance = fields.Numeric("Balance", digits=MONEY, readonly=True)
    points = fields.Integer("Points", readonly=True)


class CardReissue(Wizard):
    "Give the member a new card that takes everything over from the old"
    __name__ = 'crm.membership.card.reissue'

    start = StateView('crm.membership.card.reissue.start',
        'crm_membership.card_reissue_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Re-Issue", 'reissue', 'tryton-ok', default=True),
            ])
    reissue = StateTransition()

    def default_start(self, fields):
        return {
            'card': self.record.id,
            'balance': self.record.balance,
            'points': self.record.points,
            }

    def transition_reissue(self):
        check_button_role('reissue')
        self.model.do_reissue(self.record)
        return 'end'


class CardChangePinStart(ModelView):
    "Change the PIN of a card"
    __name__ = 'crm.membership.card.change_pin.start'
    __string__ = "Change Card PIN"

    card = fields.Many2One('crm.membership.card', "Card", readonly=True)
    ask_old = fields.Boolean("Ask Old PIN", readonly=True)
    old_pin = fields.Char("Old PIN", strip=False,
        states={
            'invisible': ~Eval('ask_old'),
            'required': Bool(Eval('ask_old')),
            })
    pin = fields.Char("New PIN", strip=False, required=True)
    pin_again = fields.Char("New PIN Again", strip=False, required=True)


class CardChangePin(Wizard):
    "Change the PIN of a card; a manager needs not the old one"
    __name__ = 'crm.membership.card.change_pin'

    start = StateView('crm.membership.card.change_pin.start',
        'crm_membership.card_change_pin_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Change", 'change', 'tryton-ok', default=True),
            ])
    change = StateTransition()

    def default_start(self, fields):
        User = Pool().get('res.user')
        return {
            'card': self.record.id,
            'ask_old': (bool(self.record.stored_pin_hash())
                and not User.is_crm_manager()),
            }

    def transition_change(self):
        check_button_role('change_pin')
        _check_pins(self.start)
        self.record.set_pin(self.start.pin, self.start.old_pin)
        return 'end'


class CardCancelStart(ModelView):
    "Cancel a card"
    __name__ = 'crm.membership.card.cancel.start'
    __string__ = "Cancel Card"

    card = fields.Many2One('crm.membership.card', "Card", readonly=True)
    principal = fields.Numeric("Principal Refunded", digits=MONEY,
        readonly=True)
    bonus = fields.Numeric("Bonus Forfeited", digits=MONEY, readonly=True)
    points = fields.Integer("Points Forfeited", readonly=True)


class CardCancel(Wizard):
    "Cancel a card: the principal is paid back, the rest is forfeited"
    __name__ = 'crm.membership.card.cancel'

    start = StateView('crm.membership.card.cancel.start',
        'crm_membership.card_cancel_start_view_form', [
            Button("Back", 'end', 'tryton-cancel'),
            Button("Cancel Card", 'cancel', 'tryton-ok', default=True),
            ])
    cancel = StateTransition()

    def default_start(self, fields):
        card = self.record
        return {
            'card': card.id,
            'principal': card.principal,
            'bonus': card.bonus,
            'points': card.points,
            }

    def transition_cancel(self):
        check_button_role('cancel')
        self.model.do_cancel(self.record,
            key='cancel-%s' % self._session_id)
        return 'end'


class CardRedeemStart(ModelView):
    "Redeem points"
    __name__ = 'crm.membership.card.redeem.start'
    __string__ = "Redeem Points"

    card = fields.Many2One('crm.membership.card', "Card", readonly=True)
    available = fields.Integer("Points Available", readonly=True)
    product = fields.Many2One('product.product', "Gift", required=True,
        domain=[('template.redeem_points', '!=', None)])
    quantity = fields.Integer("Quantity", required=True,
        domain=[('quantity', '>', 0)])
    points = fields.Integer("Points", readonly=True)
    pin_required = fields.Boolean("PIN Required", readonly=True)
    pin = fields.Char("PIN", strip=False,
        states={'required': Bool(Eval('pin_required'))})

    @fields.depends('product', 'quantity')
    def on_change_with_points(self):
        if self.product and self.quantity:
            points = self.product.template.redeem_points
            if points:
                return points * self.quantity


class CardRedeem(Wizard):
    "Give gifts for points (积分兑换)"
    __name__ = 'crm.membership.card.redeem'

    start = StateView('crm.membership.card.redeem.start',
        'crm_membership.card_redeem_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Redeem", 'redeem', 'tryton-ok', default=True),
            ])
    redeem = StateTransition()

    def default_start(self, fields):
        card = self.record
        return {
            'card': card.id,
            'available': card.points,
            'quantity': 1,
            'pin_required': bool(card.stored_pin_hash()),
            }

    def transition_redeem(self):
        check_button_role('redeem_wizard')
        self.model.redeem(self.record, self.start.product,
            self.start.quantity, pin=self.start.pin or None,
            key='redeem-%s' % self._session_id)
        return 'end'


class CardAdjustStart(ModelView):
    "Adjust a card"
    __name__ = 'crm.membership.card.adjust.start'
    __string__ = "Adjust Card"

    card = fields.Many2One('crm.membership.card', "Card", readonly=True)
    principal = fields.Numeric("Principal", digits=MONEY,
        help="Added to the principal; negative to take some away.")
    bonus = fields.Numeric("Bonus", digits=MONEY,
        help="Added to the bonus; negative to take some away.")
    points = fields.Integer("Points",
        help="Added to the points; negative to take some away.")
    reason = fields.Char("Reason", required=True)


class CardAdjust(Wizard):
    "Correct the stored value or the points of a card, with the reason"
    __name__ = 'crm.membership.card.adjust'

    start = StateView('crm.membership.card.adjust.start',
        'crm_membership.card_adjust_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Adjust", 'adjust', 'tryton-ok', default=True),
            ])
    adjust = StateTransition()

    def default_start(self, fields):
        return {'card': self.record.id}

    def transition_adjust(self):
        pool = Pool()
        User = pool.get('res.user')
        check_button_role('adjust_wizard')
        self.model.adjust(self.record, principal=self.start.principal,
            bonus=self.start.bonus, points=self.start.points or 0,
            reason=self.start.reason,
            approved_by=User(Transaction().user),
            key='adjust-%s' % self._session_id)
        return 'end'
