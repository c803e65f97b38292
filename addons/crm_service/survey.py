# This file is part of the CRM suite.
"""Satisfaction surveys: sent after a service request closes, a complaint is
done or a till sale, answered once by the customer on the suite's page (a
signed link in an SMS) or by staff on the phone, and analysed by survey,
question, month, employee and shop"""
import base64
import datetime as dt
import hashlib
import hmac
import random
import secrets
from decimal import Decimal

from sql import Literal, Null
from sql.aggregate import Avg, Count, Min, Sum
from sql.conditionals import Case
from sql.functions import CurrentTimestamp, DateTrunc

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields,
    sequence_ordered)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import (
    Transaction, check_access, without_check_access)
from trytond.url import http_host
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import (
    ServiceAccessError, ServiceError, ServiceValidationError)

TRIGGERS = [
    ('service_request', "After a Service Request Closes"),
    ('complaint', "After a Complaint Is Done"),
    ('sale', "After a Till Sale"),
    ]
# The model of the origin each trigger sends the survey for
TRIGGER_MODELS = {
    'service_request': 'crm.service.request',
    'complaint': 'sale.complaint',
    'sale': 'sale.point.sale',
    }
KINDS = [
    ('score', "Score 1–5"),
    ('choice', "Choice"),
    ('text', "Text"),
    ]
SCORES = range(1, 6)
# Longest text answer kept: a page is not an upload form
TEXT_LIMIT = 1000
# The reasons an answer is refused, each a message msg_survey_answer_<reason>
ANSWER_ERRORS = {'required', 'score', 'choice', 'length'}


class Survey(DeactivableMixin, ModelSQL, ModelView):
    "The questions a customer is asked after an occasion"
    __name__ = 'crm.service.survey'
    __string__ = "Satisfaction Survey"

    name = fields.Char("Name", required=True)
    trigger = fields.Selection(TRIGGERS, "Sent", required=True,
        help="The occasion after which the customer receives the survey.")
    sampling_rate = fields.Integer("Sampling Rate (%)", required=True,
        domain=[('sampling_rate', '>=', 0), ('sampling_rate', '<=', 100)],
        states={'invisible': Eval('trigger') != 'sale'},
        help="The share of the till sales of members that are followed by "
        "the survey.")
    questions = fields.One2Many('crm.service.survey.question', 'survey',
        "Questions")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_trigger(cls):
        return 'service_request'

    @classmethod
    def default_sampling_rate(cls):
        return 100

    def sampled(self):
        "Whether this occasion is one the survey follows"
        if self.trigger != 'sale':
            return True
        return random.random() * 100 < self.sampling_rate


class Question(sequence_ordered(), ModelSQL, ModelView):
    "A question of a satisfaction survey"
    __name__ = 'crm.service.survey.question'
    __string__ = "Survey Question"
    _rec_name = 'text'

    survey = fields.Many2One('crm.service.survey', "Survey", required=True,
        ondelete='CASCADE')
    text = fields.Char("Question", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True)
    options = fields.Text("Options",
        states={
            'invisible': Eval('kind') != 'choice',
            'required': Eval('kind') == 'choice',
            },
        help="One option a line.")
    required = fields.Boolean("Required")

    @classmethod
    def default_kind(cls):
        return 'score'

    @classmethod
    def default_required(cls):
        return True

    @property
    def option_list(self):
        if self.kind != 'choice':
            return []
        return [o.strip() for o in (self.options or '').splitlines()
            if o.strip()]

    @classmethod
    def validate_fields(cls, questions, field_names):
        super().validate_fields(questions, field_names)
        if field_names & {'kind', 'options'}:
            for question in questions:
                if question.kind == 'choice' and not question.option_list:
                    raise ServiceValidationError(gettext(
                            'crm_service.msg_survey_question_no_option',
                            question=question.text))

    @classmethod
    def check_modification(cls, mode, questions, values=None,
            external=False):
        super().check_modification(
            mode, questions, values=values, external=external)
        # The answers given keep the meaning of their question: scores of a
        # question turned into a choice would be counted as nothing
        if mode == 'delete' or (mode == 'write'
                and values.keys() & {'kind', 'options', 'survey'}):
            Answer = Pool().get('crm.service.survey.answer')
            answered = Answer.search([
                    ('question', 'in', [q.id for q in questions]),
                    ], limit=1)
            if answered:
                raise ServiceAccessError(gettext(
                        'crm_service.msg_survey_question_answered',
                        question=answered[0].question.text))

    def parse(self, value):
        """Return (the answer's values or None for no answer, the reason it
        is refused or None) for what was sent as value"""
        value = (value or '').strip()
        if not value:
            return None, 'required' if self.required else None
        if self.kind == 'score':
            if value not in {str(s) for s in SCORES}:
                return None, 'score'
            return {'score': int(value)}, None
        if self.kind == 'choice':
            if value not in self.option_list:
                return None, 'choice'
            return {'choice': value}, None
        if len(value) > TEXT_LIMIT:
            return None, 'length'
        return {'text': value}, None


class Secret(ModelSQL):
    """The key the survey links are signed with: made once per database at
    installation and read by the server only (no group has any access)"""
    __name__ = 'crm.service.survey.secret'
    __string__ = "Survey Signing Key"

    secret = fields.Char("Secret", required=True)

    @classmethod
    def __register__(cls, module_name):
        super().__register__(module_name)
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.id, limit=1))
        if not cursor.fetchone():
            cursor.execute(*table.insert(
                    [table.secret, table.create_uid, table.create_date],
                    [[secrets.token_hex(32), 0, CurrentTimestamp()]]))

    @classmethod
    def key(cls):
        with without_check_access():
            record, = cls.search([], order=[('id', 'ASC')], limit=1)
        return record.secret.encode('ascii')


def _stamp(date):
    "The seconds since the epoch of a naive UTC datetime"
    return int(date.replace(tzinfo=dt.timezone.utc).timestamp())


def _signature(key, response_id, stamp):
    digest = hmac.new(key, ('%s.%s' % (response_id, stamp)).encode('ascii'),
        hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b'=').decode('ascii')


class Response(Workflow, ModelSQL, ModelView):
    """A survey sent to a customer for an occasion, and the answers given
    once by the customer on the page or by staff"""
    __name__ = 'crm.service.survey.response'
    __string__ = "Survey Response"

    survey = fields.Many2One('crm.service.survey', "Survey", required=True,
        readonly=True, ondelete='RESTRICT')
    party = fields.Many2One('party.party', "Customer", required=True,
        readonly=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    origin = fields.Reference("Origin", selection='get_origins',
        readonly=True,
        help="The service request, complaint or till sale the survey is "
        "about.")
    origin_name = fields.Function(fields.Char("Origin"), 'get_origin_name')
    employee = fields.Many2One('company.employee', "Employee Concerned",
        readonly=True,
        help="The technician, the complaint's responsible or the cashier.")
    company = fields.Many2One('company.company', "Shop", required=True,
        readonly=True)
    sent_date = fields.DateTime("Sent", required=True, readonly=True)
    expires = fields.DateTime("Link Expires", required=True, readonly=True)
    state = fields.Selection([
            ('sent', "Sent"),
            ('answered', "Answered"),
            ('expired', "Expired"),
            ], "State", required=True, readonly=True, sort=False)
    answered_date = fields.DateTime("Answered", readonly=True)
    channel = fields.Selection([
            (None, ""),
            ('staff', "Staff Entry"),
            ('web', "Web Page"),
            ], "Channel", readonly=True)
    answered_by = fields.Many2One('res.user', "Entered By", readonly=True)
    sms = fields.Many2One('sms.message', "SMS", readonly=True,
        ondelete='SET NULL')
    answers = fields.One2Many('crm.service.survey.answer', 'response',
        "Answers", readonly=True)
    average_score = fields.Function(fields.Numeric("Average Score",
            digits=(3, 2)), 'get_average_score')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('survey_origin_unique', Unique(t, t.survey, t.origin),
                'crm_service.msg_survey_response_unique'),
            ]
        cls._order = [('sent_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('sent', 'answered'),
            ('sent', 'expired'),
            }
        cls._buttons.update({
                'enter_answers': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'sent'

    @classmethod
    def _get_origins(cls):
        "The models of the origins, those of the activated modules"
        pool = Pool()
        models = []
        for name in TRIGGER_MODELS.values():
            try:
                pool.get(name)
            except KeyError:
                continue
            models.append(name)
        return models

    @classmethod
    def get_origins(cls):
        IrModel = Pool().get('ir.model')
        return [(None, '')] + [(m, IrModel.get_name(m))
            for m in cls._get_origins()]

    def get_rec_name(self, name):
        return '%s: %s' % (self.survey.rec_name, self.party.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('party.rec_name', operator, operand, *extra),
            ('survey.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def get_origin_name(cls, responses, name):
        """The kind and number of the origin, for those who read responses
        but not the origin's model (a salesperson and the till's sales)"""
        pool = Pool()
        IrModel = pool.get('ir.model')
        result = {}
        with without_check_access():
            for response in cls.browse(responses):
                origin = response.origin
                result[response.id] = ('%s %s' % (
                        IrModel.get_name(origin.__name__), origin.rec_name)
                    if origin and origin.id >= 0 else None)
        return result

    def get_average_score(self, name):
        scores = [a.score for a in self.answers if a.score]
        if not scores:
            return None
        return (Decimal(sum(scores)) / len(scores)).quantize(Decimal('0.01'))

    @classmethod
    def check_modification(cls, mode, responses, values=None,
            external=False):
        super().check_modification(
            mode, responses, values=values, external=external)
        # Answers, scores and states come from the customer's page or the
        # staff's entry, never from a client's create or write
        if external:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_survey_response_server'))

    # Sending

    @classmethod
    def send_surveys(cls, trigger, occasions):
        """Send the active surveys of trigger for occasions, a list of
        (origin, customer, employee, company); return the responses.

        Called by the server when the occasion happens, whoever the user:
        each origin gets a survey at most once, a till sale only when it is
        sampled; the SMS follows the customer's consent."""
        occasions = [o for o in occasions if o[1]]
        if not occasions:
            return []
        with without_check_access():
            return cls._send_surveys(trigger, occasions)

    @classmethod
    def _send_surveys(cls, trigger, occasions):
        pool = Pool()
        Survey = pool.get('crm.service.survey')
        Configuration = pool.get('crm.configuration')
        Message = pool.get('sms.message')
        surveys = Survey.search([('trigger', '=', trigger)])
        if not surveys:
            return []
        done = {(r.survey.id, str(r.origin)) for r in cls.search([
                    ('survey', 'in', [s.id for s in surveys]),
                    ('origin', 'in', [str(o[0]) for o in occasions]),
                    ])}
        configuration = Configuration(1)
        now = dt.datetime.now().replace(microsecond=0)
        expires = now + dt.timedelta(days=configuration.survey_expiry_days)
        to_create = []
        for origin, party, employee, company in occasions:
            for survey in surveys:
                if (survey.id, str(origin)) in done or not survey.sampled():
                    continue
                to_create.append({
                        'survey': survey.id,
                        'party': party.id,
                        'origin': str(origin),
                        'employee': employee.id if employee else None,
                        'company': company.id,
                        'sent_date': now,
                        'expires': expires,
                        })
        if not to_create:
            return []
        responses = cls.create(to_create)
        template = configuration.survey_sms_template
        if template:
            for response in responses:
                # Message.send applies the customer's consent and mobile:
                # without an SMS the response waits for a phone call
                response.sms = Message.send(response.party, template,
                    values={'survey_url': response.get_url()},
                    origin=response)
            cls.save(responses)
        return responses

    # The signed link

    def get_token(self):
        """The token of the link to the survey page: the response's id and
        the link's expiry, signed with the database's key"""
        stamp = _stamp(self.expires)
        return '%s.%s.%s' % (
            self.id, stamp, _signature(self._key(), self.id, stamp))

    @classmethod
    def _key(cls):
        return Pool().get('crm.service.survey.secret').key()

    def get_path(self):
        return '/%s/crm_service/survey/%s' % (
            Transaction().database.name, self.get_token())

    def get_url(self):
        "The link sent to the customer"
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        base = Configuration(1).survey_base_url or http_host()
        return base.rstrip('/') + self.get_path()

    @classmethod
    def from_token(cls, token):
        """Return (the response, None) for a valid token, else (None or the
        response, the reason: 'forged', 'missing', 'expired', 'answered')"""
        try:
            response_id, stamp, signature = token.split('.')
            response_id, stamp = int(response_id), int(stamp)
        except (ValueError, AttributeError):
            return None, 'forged'
        expected = _signature(cls._key(), response_id, stamp)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return None, 'forged'
        with without_check_access():
            responses = cls.search([('id', '=', response_id)])
        if not responses:
            return None, 'missing'
        response, = responses
        if _stamp(response.expires) != stamp:
            return None, 'forged'
        if response.state == 'answered':
            return response, 'answered'
        if (response.state == 'expired'
                or response.expires <= dt.datetime.now()):
            return response, 'expired'
        return response, None

    # Answering

    def parse_answers(self, values):
        """Return (the answers to create, {question: reason refused}) for
        values, {question id: what was sent}"""
        answers, errors = [], {}
        for question in self.survey.questions:
            answer, error = question.parse(values.get(question.id))
            if error:
                errors[question] = error
            elif answer:
                answer['question'] = question.id
                answer['response'] = self.id
                answers.append(answer)
        return answers, errors

    @classmethod
    def record_answers(cls, response, values, channel):
        """Record the answers, {question id: what was sent}, of response
        once; return {question: reason} and record nothing when some are
        refused. Raises ServiceError when the response is no longer open."""
        pool = Pool()
        Answer = pool.get('crm.service.survey.answer')
        # Two submissions at once: the second waits and finds it answered
        cls.lock([response])
        response = cls(response.id)
        if response.state != 'sent' or response.expires <= dt.datetime.now():
            raise ServiceError(gettext(
                    'crm_service.msg_survey_response_closed',
                    response=response.rec_name))
        answers, errors = response.parse_answers(values)
        if errors:
            return errors
        with without_check_access():
            Answer.create(answers)
            cls.write([response], {
                    'answered_date': dt.datetime.now(),
                    'channel': channel,
                    'answered_by': (Transaction().user
                        if channel == 'staff' else None),
                    })
            cls.answer([response])
        return {}

    @classmethod
    @Workflow.transition('answered')
    def answer(cls, responses):
        pass

    @classmethod
    @Workflow.transition('expired')
    def expire(cls, responses):
        pass

    @classmethod
    def expire_links(cls):
        "Mark the surveys whose link expired unanswered (cron)"
        with without_check_access():
            cls.expire(cls.search([
                        ('state', '=', 'sent'),
                        ('expires', '<=', dt.datetime.now()),
                        ]))

    @classmethod
    @ModelView.button_action('crm_service.wizard_survey_response_enter')
    def enter_answers(cls, responses):
        pass


class Answer(ModelSQL, ModelView):
    "The answer to a question of a survey"
    __name__ = 'crm.service.survey.answer'
    __string__ = "Survey Answer"

    response = fields.Many2One('crm.service.survey.response', "Response",
        required=True, readonly=True, ondelete='CASCADE')
    question = fields.Many2One('crm.service.survey.question', "Question",
        required=True, readonly=True, ondelete='RESTRICT')
    score = fields.Integer("Score", readonly=True)
    choice = fields.Char("Choice", readonly=True)
    text = fields.Text("Text", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('response_question_unique', Unique(t, t.response, t.question),
                'crm_service.msg_survey_answer_unique'),
            ]
        cls._order.insert(0, ('response', 'DESC'))

    @classmethod
    def check_modification(cls, mode, answers, values=None, external=False):
        super().check_modification(
            mode, answers, values=values, external=external)
        if external:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_survey_response_server'))


class EnterAnswers(Wizard):
    "Staff enter the answers a customer gave on the phone"
    __name__ = 'crm.service.survey.response.enter'
    start = StateView('crm.service.survey.response.enter.start',
        'crm_service.survey_response_enter_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Record", 'enter', 'tryton-ok', default=True),
            ])
    enter = StateTransition()

    def default_start(self, fields):
        self.check_role()
        response = self.record
        return {
            'response': response.id,
            'lines': [{
                    'question': q.id,
                    'kind': q.kind,
                    'required': q.required,
                    'options': '\n'.join(q.option_list),
                    } for q in response.survey.questions],
            }

    def check_role(self):
        """Only 客服 and managers enter answers; the wizard runs without
        access checks, whatever action the client says it came from"""
        pool = Pool()
        Button = pool.get('ir.model.button')
        User = pool.get('res.user')
        groups = Button.get_groups(
            'crm.service.survey.response', 'enter_answers')
        if (Transaction().user and not User.is_crm_manager()
                and not groups & set(User.get_groups())):
            raise ServiceAccessError(gettext(
                    'crm_service.msg_survey_entry_role'))
        # The record read with the user's rules: a response of a customer
        # the user may not see is not theirs to fill; and a response, not
        # whatever record the client named
        Response = pool.get('crm.service.survey.response')
        if self.model is not Response or not self.record:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_survey_entry_role'))
        with check_access():
            Response.read([self.record.id], ['id'])

    def transition_enter(self):
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        self.check_role()
        values = {}
        for line in self.start.lines:
            if not line.question:
                continue
            # The question's own kind, not what the client sent as the line's
            kind = line.question.kind
            if kind == 'score':
                values[line.question.id] = (
                    str(line.score) if line.score is not None else '')
            elif kind == 'choice':
                values[line.question.id] = line.choice
            else:
                values[line.question.id] = line.text
        errors = Response.record_answers(self.record, values, 'staff')
        if errors:
            question, reason = next(iter(errors.items()))
            raise ServiceValidationError(gettext(
                    'crm_service.msg_survey_answer_%s' % reason,
                    question=question.text))
        return 'end'


class EnterAnswersStart(ModelView):
    "Enter Survey Answers"
    __name__ = 'crm.service.survey.response.enter.start'
    __string__ = "Enter Survey Answers"

    response = fields.Many2One('crm.service.survey.response', "Response",
        readonly=True)
    lines = fields.One2Many('crm.service.survey.response.enter.line', None,
        "Answers")


class EnterAnswersLine(ModelView):
    "The answer to one question"
    __name__ = 'crm.service.survey.response.enter.line'
    __string__ = "Survey Answer Entry"

    question = fields.Many2One('crm.service.survey.question', "Question",
        readonly=True)
    kind = fields.Selection(KINDS, "Kind", readonly=True)
    required = fields.Boolean("Required", readonly=True)
    options = fields.Text("Options", readonly=True)
    score = fields.Integer("Score",
        domain=[If(Eval('score'),
                [('score', '>=', 1), ('score', '<=', 5)],
                [])],
        states={'invisible': Eval('kind') != 'score'})
    choice = fields.Char("Choice",
        states={'invisible': Eval('kind') != 'choice'},
        help="One of the options, as written.")
    text = fields.Text("Text",
        states={'invisible': Eval('kind') != 'text'})


class Analysis(ModelSQL, ModelView):
    """满意度分析: the answers by survey, question, month, employee and shop
    with their number, average score and share of scores of 4 and 5"""
    __name__ = 'crm.service.survey.analysis'
    __string__ = "Satisfaction Analysis"

    survey = fields.Many2One('crm.service.survey', "Survey", readonly=True)
    question = fields.Many2One('crm.service.survey.question', "Question",
        readonly=True)
    month = fields.Date("Month", readonly=True)
    employee = fields.Many2One('company.employee', "Employee",
        readonly=True)
    company = fields.Many2One('company.company', "Shop", readonly=True)
    answers = fields.Integer("Answers", readonly=True)
    satisfied_answers = fields.Integer("Scores of 4 and 5", readonly=True)
    average_score = fields.Numeric("Average Score", digits=(3, 2),
        readonly=True)
    satisfied = fields.Numeric("Satisfied (%)", digits=(5, 2),
        readonly=True, help="The share of the scores of 4 and 5.")
    _excel_fields = ['month', 'survey', 'question', 'company', 'employee',
        'answers', 'satisfied_answers', 'average_score', 'satisfied']

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('survey', 'ASC'),
            ('question', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        # Aggregated in SQL: the analysis reads every answer of the period
        pool = Pool()
        Answer = pool.get('crm.service.survey.answer')
        Response = pool.get('crm.service.survey.response')
        Question = pool.get('crm.service.survey.question')
        answer = Answer.__table__()
        response = Response.__table__()
        question = Question.__table__()
        context = Transaction().context
        where = response.state == 'answered'
        if context.get('company'):
            where &= response.company == context['company']
        if context.get('survey'):
            where &= response.survey == context['survey']
        if context.get('from_date'):
            where &= response.answered_date >= dt.datetime.combine(
                context['from_date'], dt.time())
        if context.get('to_date'):
            where &= response.answered_date < dt.datetime.combine(
                context['to_date'] + dt.timedelta(days=1), dt.time())
        where &= cls._customer_filter(response.party)
        # The month per answer in a subquery: PostgreSQL matches a GROUP BY
        # expression with its parameters only by the column
        rows = (answer
            .join(response, condition=answer.response == response.id)
            .join(question, condition=answer.question == question.id)
            .select(
                answer.id.as_('answer'),
                response.survey.as_('survey'),
                answer.question.as_('question'),
                question.kind.as_('kind'),
                cls.month.sql_cast(
                    DateTrunc('month', response.answered_date)).as_('month'),
                response.employee.as_('employee'),
                response.company.as_('company'),
                answer.score.as_('score'),
                where=where))
        high = Sum(Case((rows.score >= 4, 1), else_=0))
        return rows.select(
            Min(rows.answer).as_('id'),
            rows.survey.as_('survey'),
            rows.question.as_('question'),
            rows.month.as_('month'),
            rows.employee.as_('employee'),
            rows.company.as_('company'),
            Count(rows.answer).as_('answers'),
            high.as_('satisfied_answers'),
            cls.average_score.sql_cast(Avg(rows.score)).as_('average_score'),
            cls.satisfied.sql_cast(Case(
                    (rows.kind == 'score', high * 100.0 / Count(rows.answer)),
                    else_=Null)).as_('satisfied'),
            group_by=[rows.survey, rows.question, rows.kind, rows.month,
                rows.employee, rows.company])


    @classmethod
    def _customer_filter(cls, party_column):
        "The condition on the customers answering, for other modules"
        return Literal(True)


class AnalysisContext(ModelView):
    "The period and survey of the satisfaction analysis"
    __name__ = 'crm.service.survey.analysis.context'
    __string__ = "Satisfaction Analysis Context"

    company = fields.Many2One('company.company', "Shop", required=True)
    survey = fields.Many2One('crm.service.survey', "Survey")
    from_date = fields.Date("From Date",
        domain=[If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')), ())])
    to_date = fields.Date("To Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')), ())])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        Date = Pool().get('ir.date')
        return Date.today().replace(month=1, day=1)
