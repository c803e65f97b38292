# This file is part of the CRM suite.
"""Satisfaction surveys: sent after a till sale (sampled), the customer's
page served by the real WSGI application (once per token, expired and
forged tokens refused, everything escaped), the staff entry, the analysis
and its export, and what a client may not do"""
import datetime as dt
import io
import itertools
from decimal import Decimal

import openpyxl

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_cashier.tests.tools import (
    cashier_user, new_sale, open_fiscalyear, pay, setup_shop)
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff,
    party_relations_not_replaced)
from trytond.modules.crm_service.exceptions import (
    ServiceAccessError, ServiceError, ServiceValidationError)
from trytond.modules.crm_service.survey import _signature, _stamp
from trytond.pool import Pool
from trytond.protocols.wrappers import HTTPStatus, Response as HTTPResponse
from trytond.tests.test_tryton import DB_NAME, Client, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

from . import test_complaint, test_request

D = Decimal
MOBILES = itertools.count(1)
XSS = '<script>alert("x")</script>'


def create_survey(trigger='sale', rate=100, name="服务满意度"):
    """A survey of a required score, a required choice and an optional
    text question whose wording carries markup"""
    Survey = Pool().get('crm.service.survey')
    survey, = Survey.create([{
                'name': name,
                'trigger': trigger,
                'sampling_rate': rate,
                'questions': [('create', [{
                                'sequence': 1,
                                'text': "您对服务打几分？" + XSS,
                                'kind': 'score',
                                }, {
                                'sequence': 2,
                                'text': "您会再来吗？",
                                'kind': 'choice',
                                'options': "一定会\n可能会\n不会",
                                }, {
                                'sequence': 3,
                                'text': "还有什么建议？",
                                'kind': 'text',
                                'required': False,
                                }])],
                }])
    return survey


def customer(name="王芳", owner=None):
    "A customer with a mobile of their own (the suite refuses shared ones)"
    Party = Pool().get('party.party')
    party = Party(name=name, owner=owner,
        contact_mechanisms=[{'type': 'mobile',
                'value': '+86138%08d' % next(MOBILES)}])
    party.save()
    return party


def response_for(survey, party, company, employee=None, days=7):
    "A response sent now (by the server), valid for days"
    Response = Pool().get('crm.service.survey.response')
    now = dt.datetime.now().replace(microsecond=0)
    response, = Response.create([{
                'survey': survey.id,
                'party': party.id,
                'employee': employee.id if employee else None,
                'company': company.id,
                'sent_date': now,
                'expires': now + dt.timedelta(days=days),
                }])
    return response


def questions(survey):
    return {q.kind: q for q in survey.questions}


def answers(survey, score, choice="一定会", text=None):
    "What the page's form sends"
    by_kind = questions(survey)
    data = {'q%s' % by_kind['score'].id: str(score),
        'q%s' % by_kind['choice'].id: choice}
    if text is not None:
        data['q%s' % by_kind['text'].id] = text
    return data


def enter(response, score, choice="一定会", text=None):
    "The staff entry wizard run for response with these answers"
    pool = Pool()
    Response = pool.get('crm.service.survey.response')
    Enter = pool.get('crm.service.survey.response.enter', type='wizard')
    Line = pool.get('crm.service.survey.response.enter.line')
    session_id, _, _ = Enter.create()
    wizard = Enter(session_id)
    with Transaction().set_context(active_model=Response.__name__,
            active_id=response.id, active_ids=[response.id]):
        wizard.start.response = response
        lines = []
        for values in wizard.default_start(None)['lines']:
            line = Line(**values)
            if line.kind == 'score':
                line.score = score
            elif line.kind == 'choice':
                line.choice = choice
            else:
                line.text = text
            lines.append(line)
        wizard.start.lines = lines
        return wizard.transition_enter()


class ComplaintSteps:
    "The complaint tests' steps, to close a complaint through its process"
    setup_shop = test_complaint.ComplaintTestCase.setup_shop
    create_complaint = test_complaint.ComplaintTestCase.create_complaint
    propose = test_complaint.ComplaintTestCase.propose
    close = test_complaint.ComplaintTestCase.close


class SurveyTestCase(ModuleDatabaseTestCase):
    "Test the satisfaction surveys"
    module = 'crm_service'

    @with_transaction()
    def test_till_sale_sampled_with_sms_link(self):
        """A member's till sale is followed by the sale survey at 100 %,
        with an SMS whose link opens the page; at 0 % by none; a survey
        is sent once per sale"""
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        Message = pool.get('sms.message')
        Sale = pool.get('sale.point.sale')
        ContactMechanism = pool.get('party.contact_mechanism')
        company = create_company()
        with set_company(company):
            open_fiscalyear(company)
            point, cash, _, card, shampoo, _ = setup_shop(company)
            ContactMechanism.create([{'party': card.party.id,
                        'type': 'mobile', 'value': '+8613900139000'}])
            cashier = cashier_user(company)
            survey = create_survey(rate=100)
            create_survey(trigger='complaint', name="投诉回访")

            sale = new_sale(point, card, shampoo,
                employee=cashier.employee)
            sale = pay(sale, cash, sale.total)
            self.assertEqual(sale.state, 'done')

            response, = Response.search([])
            self.assertEqual(response.survey, survey)
            self.assertEqual(response.origin, sale)
            self.assertEqual(response.party, card.party)
            self.assertEqual(response.employee, cashier.employee)
            self.assertEqual(response.company, company)
            self.assertEqual(response.state, 'sent')
            self.assertGreater(response.expires, response.sent_date)
            message, = Message.search([('origin', '=', str(response))])
            self.assertEqual(response.sms, message)
            self.assertEqual(message.state, 'queued')
            self.assertEqual(message.phone[-11:], '13900139000')
            path = '/%s/crm_service/survey/%s' % (
                Transaction().database.name, response.get_token())
            self.assertIn(path, message.text)
            self.assertTrue(message.text.endswith(response.get_url()))
            self.assertIsNone(Response.from_token(response.get_token())[1])

            # The list and form of a salesperson show what the response
            # names (the customer has no owner)
            sales = create_staff(company, 'xiaoshou', 'group_salesperson')
            with as_user(sales):
                row, = Response.read([response.id], [
                        'rec_name', 'origin_name', 'sms.rec_name',
                        'employee.rec_name', 'company.rec_name',
                        'survey.rec_name', 'party.rec_name',
                        'average_score', 'answers'])
                self.assertTrue(row['origin_name'].endswith(sale.rec_name))

            # The same sale again sends nothing more
            Response.send_surveys('sale',
                [(sale, sale.member, sale.employee, sale.company)])
            self.assertEqual(Response.search([], count=True), 1)
            # Nor its refund
            refund = Sale.refund_lines(sale, {sale.lines[0]: 1})
            self.assertEqual((refund.state, refund.refund_of),
                ('done', sale))
            self.assertEqual(Response.search([], count=True), 1)

            survey.sampling_rate = 0
            survey.save()
            for _ in range(5):
                other = new_sale(point, card, shampoo,
                    employee=cashier.employee)
                other = pay(other, cash, other.total)
                self.assertEqual(other.state, 'done')
            self.assertEqual(Response.search([], count=True), 1)

    @with_transaction()
    def test_request_and_complaint_closed(self):
        """A service request closed by its return visit is followed by the
        request survey about its technician; a complaint done by the
        complaint survey about its responsible"""
        pool = Pool()
        Request = pool.get('crm.service.request')
        Visit = pool.get('crm.service.return_visit')
        Response = pool.get('crm.service.survey.response')
        company = create_company()
        with set_company(company):
            request_survey = create_survey(trigger='service_request',
                rate=0, name="维修回访")
            complaint_survey = create_survey(trigger='complaint',
                name="投诉处理满意度")
            agent = test_request.staff(company, 'kefu1',
                test_request.SERVICE)
            tech = test_request.staff(company, 'jishu1',
                test_request.TECHNICIAN)
            test_request.add_technician(tech.employee)
            party = customer("王先生")
            with as_user(agent):
                request, = Request.create([{
                            'customer': party.id, 'fault': "不开机"}])
                Request.assign([request])
            with as_user(tech):
                Request.start([Request(request.id)])
                Request.resolve([Request(request.id)])
            self.assertEqual(Response.search([]), [])
            with as_user(agent):
                visit, = Request(request.id).return_visits
                Visit.write([visit], {'result': 'satisfied'})
                Visit.complete([visit])
            self.assertEqual(Request(request.id).state, 'closed')
            # The sampling rate is the till's only
            response, = Response.search([])
            self.assertEqual((response.survey, response.origin,
                    response.party, response.employee, response.company),
                (request_survey, Request(request.id), party,
                    tech.employee, company))

            steps = ComplaintSteps()
            users, _, category, complainer = steps.setup_shop(company)
            complaint = steps.close(users, complainer, category)
            self.assertEqual(complaint.state, 'done')
            response, = Response.search([('survey', '=', complaint_survey)])
            self.assertEqual((response.origin, response.party,
                    response.employee),
                (complaint, complainer, users['responsible'].employee))

    @with_transaction()
    def test_staff_entry(self):
        """客服 enters the answers a customer gave on the phone, once;
        the answers are checked; a salesperson may not"""
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        company = create_company()
        with set_company(company):
            survey = create_survey()
            service = create_staff(company, 'kefu', 'group_service')
            sales = create_staff(company, 'xiaoshou', 'group_salesperson')
            party = customer(owner=sales.employee)
            response = response_for(survey, party, company)

            with as_user(sales):
                # The salesperson reads their customer's response...
                self.assertEqual(Response.search([]), [response])
                # ...but may not enter its answers
                with self.assertRaises(AccessError):
                    enter(response, 5)
            with as_user(service):
                with self.assertRaises(ServiceValidationError):
                    enter(response, 9)
                with self.assertRaises(ServiceValidationError):
                    enter(response, 4, choice="也许")
                self.assertEqual(Response(response.id).state, 'sent')
                self.assertEqual(Response(response.id).answers, ())
                self.assertEqual(enter(response, 4, text="师傅很耐心"), 'end')

            response = Response(response.id)
            self.assertEqual(response.state, 'answered')
            self.assertEqual(response.channel, 'staff')
            self.assertEqual(response.answered_by, service)
            self.assertEqual({(a.score, a.choice, a.text)
                    for a in response.answers},
                {(4, None, None), (None, "一定会", None),
                    (None, None, "师傅很耐心")})
            self.assertEqual(response.average_score, D('4.00'))
            with as_user(service):
                with self.assertRaises(ServiceError):
                    enter(response, 1)
            self.assertEqual(
                [a.score for a in Response(response.id).answers if a.score],
                [4])

    @with_transaction()
    def test_client_writes_refused(self):
        """No client creates, writes or deletes responses or answers,
        administrators included; the signing key is read by no one;
        a salesperson sees the responses of their own and unowned
        customers only"""
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        Answer = pool.get('crm.service.survey.answer')
        Secret = pool.get('crm.service.survey.secret')
        company = create_company()
        with set_company(company):
            survey = create_survey()
            admin = create_staff(company, 'guanli', 'group_crm_admin')
            sales = create_staff(company, 'xiaoshou', 'group_salesperson')
            other = create_staff(company, 'xiaoli', 'group_salesperson')
            mine = response_for(survey, customer(owner=sales.employee),
                company)
            theirs = response_for(survey, customer(name="李雷",
                    owner=other.employee), company)
            unowned = response_for(survey, customer(name="韩梅梅"), company)
            Response.record_answers(mine, {
                    q.id: v for q, v in zip(survey.questions,
                        ['2', "不会", ''])}, 'web')
            answer = mine.answers[0]

            # A shop manager sees the customers of their department's staff
            # (and, as everyone, the unowned ones), not the other shop's
            Department = pool.get('company.department')
            manager = create_staff(company, 'dianzhang', 'group_sales_manager')
            department = Department(name="一店", code='YD',
                manager=manager.employee)
            department.save()
            for user in [manager, sales]:
                user.employee.department = department
                user.employee.save()
            with as_user(manager):
                self.assertEqual(sorted(Response.search([])),
                    sorted([mine, unowned]))
            service = create_staff(company, 'kefu', 'group_service')
            with as_user(service):
                self.assertEqual(sorted(Response.search([])),
                    sorted([mine, theirs, unowned]))
            with as_user(sales):
                self.assertEqual(sorted(Response.search([])),
                    sorted([mine, unowned]))
                self.assertEqual(
                    Response.search([('rec_name', 'ilike', '%韩梅梅%')]),
                    [unowned])
                self.assertEqual(len(Answer.search([])), 2)
                with self.assertRaises(AccessError):
                    Response.read([theirs.id], ['state'])
            for user in [admin, sales]:
                with as_user(user):
                    with self.assertRaises(AccessError):
                        Answer.write([answer], {'score': 5})
                    with self.assertRaises(AccessError):
                        Answer.create([{'response': unowned.id,
                                    'question': survey.questions[0].id,
                                    'score': 5}])
                    with self.assertRaises(AccessError):
                        Response.write([unowned], {'state': 'answered'})
                    with self.assertRaises(AccessError):
                        Response.create([{'survey': survey.id,
                                    'party': mine.party.id,
                                    'company': company.id,
                                    'sent_date': dt.datetime.now(),
                                    'expires': dt.datetime.now()}])
                    with self.assertRaises(AccessError):
                        Response.delete([mine])
                    with self.assertRaises(AccessError):
                        Secret.search([])
            # Even with access given by hand the server refuses a client
            Access = pool.get('ir.model.access')
            ModelData = pool.get('ir.model.data')
            Access.create([{
                        'model': name,
                        'group': ModelData.get_id(
                            'crm_customer', 'group_crm_admin'),
                        'perm_read': True, 'perm_write': True,
                        'perm_create': True, 'perm_delete': True,
                        } for name in [Answer.__name__, Response.__name__]])
            with as_user(admin):
                with self.assertRaises(ServiceAccessError):
                    Answer.write([answer], {'score': 5})
                with self.assertRaises(ServiceAccessError):
                    Response.write([unowned], {'state': 'answered'})
            self.assertEqual(Answer(answer.id).score, 2)
            self.assertEqual(Response(unowned.id).state, 'sent')

    @with_transaction()
    def test_questions_checked(self):
        """A choice question needs options; a question answered keeps its
        kind and options"""
        pool = Pool()
        Question = pool.get('crm.service.survey.question')
        Response = pool.get('crm.service.survey.response')
        company = create_company()
        with set_company(company):
            survey = create_survey()
            response = response_for(survey, customer(), company)
            self.assertEqual(Response.record_answers(response, {
                        q.id: v for q, v in zip(survey.questions,
                            ['5', "一定会", ''])}, 'web'), {})
            score = questions(survey)['score']
            with self.assertRaises(AccessError):
                Question.write([score], {'kind': 'text'})
            with self.assertRaises(AccessError):
                Question.delete([score])
            Question.write([score], {'text': "总体打分"})
            self.assertEqual(score.kind, 'score')
            # Last: the refused question stays in the transaction
            with self.assertRaises(ServiceValidationError):
                Question.create([{'survey': survey.id, 'text': "选哪个？",
                            'kind': 'choice', 'options': "\n \n"}])

    @with_transaction()
    def test_customer_erased_and_merged(self):
        """Erasing a customer blanks what they wrote in surveys, not the
        scores; merged customers keep their responses"""
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        Answer = pool.get('crm.service.survey.answer')
        Erase = pool.get('party.erase', type='wizard')
        self.assertNotIn('crm.service.survey.response.party',
            party_relations_not_replaced(['crm_service']))
        company = create_company()
        with set_company(company):
            survey = create_survey()
            party = customer()
            response = response_for(survey, party, company)
            Response.record_answers(response, {
                    q.id: v for q, v in zip(survey.questions,
                        ['3', "不会", "我是王芳，电话 13800000000"])}, 'web')
            party.active = False
            party.save()
            session_id, _, _ = Erase.create()
            erase = Erase(session_id)
            erase.ask.party = party
            erase.transition_erase()
            # Erasing writes in SQL: read the table
            table = Answer.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(table.score, table.choice,
                    table.text, where=table.response == response.id))
            self.assertEqual(sorted(cursor, key=str), sorted([
                        (3, None, None), (None, "不会", None),
                        (None, None, None)], key=str))

    @with_transaction()
    def test_expire_links(self):
        "The daily job marks the unanswered links past their expiry"
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        company = create_company()
        with set_company(company):
            survey = create_survey()
            old = response_for(survey, customer(), company, days=-1)
            fresh = response_for(survey, customer(name="李雷"), company)
            Response.expire_links()
            self.assertEqual(old.state, 'expired')
            self.assertEqual(fresh.state, 'sent')
            self.assertEqual(Response.from_token(old.get_token())[1],
                'expired')
            with self.assertRaises(ServiceError):
                Response.record_answers(old, {}, 'web')

    @with_transaction()
    def test_analysis(self):
        """满意度分析 by question, month and employee: answers, average
        score, share of 4 and 5; its Excel export"""
        pool = Pool()
        Response = pool.get('crm.service.survey.response')
        Analysis = pool.get('crm.service.survey.analysis')
        Employee = pool.get('company.employee')
        ExcelReport = pool.get('crm.membership.report.excel', type='report')
        company = create_company()
        with set_company(company):
            survey = create_survey()
            zhang = Employee(party=customer(name="张师傅"), company=company)
            li = Employee(party=customer(name="李师傅"), company=company)
            Employee.save([zhang, li])
            for employee, score, choice in [
                    (zhang, 5, "一定会"), (zhang, 4, "可能会"),
                    (zhang, 1, "不会"), (li, 3, "一定会")]:
                response = response_for(survey, customer(name="客户"),
                    company, employee=employee)
                self.assertEqual(Response.record_answers(response,
                        {q.id: v for q, v in zip(survey.questions,
                                [str(score), choice, ''])}, 'web'), {})
            # An unanswered response counts nothing
            response_for(survey, customer(name="未答"), company,
                employee=li)

            score = questions(survey)['score']
            with Transaction().set_context(company=company.id):
                rows = Analysis.search([('question', '=', score.id)])
                by_employee = {r.employee: r for r in rows}
                self.assertEqual(set(by_employee), {zhang, li})
                row = by_employee[zhang]
                self.assertEqual(row.survey, survey)
                self.assertEqual(row.company, company)
                self.assertEqual(row.month,
                    dt.date.today().replace(day=1))
                self.assertEqual(row.answers, 3)
                self.assertEqual(row.satisfied_answers, 2)
                self.assertAlmostEqual(float(row.average_score), 10 / 3, 2)
                self.assertAlmostEqual(float(row.satisfied), 200 / 3, 2)
                self.assertEqual(by_employee[li].answers, 1)
                self.assertEqual(float(by_employee[li].average_score), 3)
                self.assertEqual(float(by_employee[li].satisfied), 0)
                choice = Analysis.search([
                        ('question', '=', questions(survey)['choice'].id),
                        ('employee', '=', zhang.id)])
                self.assertEqual([(r.answers, r.average_score, r.satisfied)
                        for r in choice], [(3, None, None)])

                # 客服 reads it in their shop; a salesperson does not
                service = create_staff(company, 'kefu', 'group_service')
                sales = create_staff(company, 'xiaoshou', 'group_salesperson')
                with as_user(service):
                    self.assertEqual(len(Analysis.search([
                                    ('question', '=', score.id)])), 2)
                with as_user(sales):
                    with self.assertRaises(AccessError):
                        Analysis.search([])

                # Another month's period shows none of them
                with Transaction().set_context(
                        from_date=dt.date.today() + dt.timedelta(days=1)):
                    self.assertEqual(Analysis.search([]), [])

                ids = [r.id for r in rows]
                kind, data, _, name = ExcelReport.execute(ids, {
                        'model': Analysis.__name__, 'ids': ids})
            self.assertEqual(kind, 'xlsx')
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            table = list(sheet.values)
            self.assertEqual(len(table), 3)
            self.assertIn("张师傅", [c for r in table for c in r])


class SurveyPageTestCase(ModuleDatabaseTestCase):
    """The page through the real WSGI application: each request is a
    transaction of its own, so the data is committed"""
    module = 'crm_service'

    def setUp(self):
        super().setUp()
        self.client = Client(app, HTTPResponse)
        with Transaction().start(DB_NAME, 0) as transaction:
            company = create_company()
            with set_company(company):
                survey = create_survey()
                party = customer()
                response = response_for(survey, party, company)
                expired = response_for(survey, party, company, days=-1)
                self.survey = survey.id
                self.questions = {k: q.id
                    for k, q in questions(survey).items()}
                self.response = response.id
                self.url = response.get_path()
                self.expired_url = expired.get_path()
                self.expired = expired.id
                self.forged = _signature(
                    response._key(), response.id + 10000,
                    _stamp(response.expires))
                self.stamp = _stamp(response.expires)
            transaction.commit()

    def read(self, response_id):
        "(state, channel, [(question, score, choice, text)])"
        with Transaction().start(DB_NAME, 0):
            Response = Pool().get('crm.service.survey.response')
            response = Response(response_id)
            return (response.state, response.channel, sorted(
                    (a.question.id, a.score, a.choice, a.text)
                    for a in response.answers))

    def post(self, url, score, choice="一定会", text=None):
        data = {'q%s' % self.questions['score']: str(score),
            'q%s' % self.questions['choice']: choice}
        if text is not None:
            data['q%s' % self.questions['text']] = text
        # As a browser posts the form of a page that sends no referrer
        return self.client.post(url, data=data, headers={'Origin': 'null'})

    def test_form_answered_once(self):
        """GET shows the Chinese form, escaped; a wrong POST shows the
        errors and records nothing; the right one records once; the link
        then refuses both"""
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, HTTPStatus.OK)
        self.assertTrue(page.content_type.startswith('text/html'))
        self.assertEqual(page.headers['Cache-Control'], 'no-store')
        html = page.get_data(as_text=True)
        self.assertIn('<meta name="viewport"', html)
        self.assertIn('lang="zh-CN"', html)
        self.assertIn('服务满意度', html)
        self.assertIn('>提交</button>', html)
        for question in self.questions.values():
            self.assertIn('name="q%s"' % question, html)
        self.assertNotIn('<script>', html)
        self.assertIn('&lt;script&gt;', html)

        page = self.post(self.url, 8, choice="")
        self.assertEqual(page.status_code, HTTPStatus.BAD_REQUEST)
        html = page.get_data(as_text=True)
        self.assertIn('请选择 1 至 5 分', html)
        self.assertIn('这是必答题', html)
        page = self.post(self.url, 5, choice='<img src=x onerror=alert(1)>')
        self.assertEqual(page.status_code, HTTPStatus.BAD_REQUEST)
        self.assertIn('请从列出的选项中选择一项', page.get_data(as_text=True))
        self.assertEqual(self.read(self.response), ('sent', None, []))

        # The text is kept as sent, and shown escaped on a refused form
        page = self.post(self.url, 0, text='<b>很好</b>')
        self.assertNotIn('<b>很好</b>', page.get_data(as_text=True))
        self.assertIn('&lt;b&gt;很好&lt;/b&gt;', page.get_data(as_text=True))

        page = self.post(self.url, 4, text='<b>很好</b>')
        self.assertEqual(page.status_code, HTTPStatus.OK)
        self.assertIn('感谢您的评价', page.get_data(as_text=True))
        answered = self.read(self.response)
        self.assertEqual(answered, ('answered', 'web', sorted([
                        (self.questions['score'], 4, None, None),
                        (self.questions['choice'], None, "一定会", None),
                        (self.questions['text'], None, None,
                            '<b>很好</b>')])))

        page = self.post(self.url, 1, choice="不会")
        self.assertEqual(page.status_code, HTTPStatus.GONE)
        self.assertIn('您已提交过这份问卷', page.get_data(as_text=True))
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, HTTPStatus.GONE)
        self.assertNotIn('提交</button>', page.get_data(as_text=True))
        self.assertEqual(self.read(self.response), answered)

    def test_expired_refused(self):
        "An expired link shows why and records nothing"
        page = self.client.get(self.expired_url)
        self.assertEqual(page.status_code, HTTPStatus.GONE)
        self.assertIn('链接已过期', page.get_data(as_text=True))
        page = self.post(self.expired_url, 5)
        self.assertEqual(page.status_code, HTTPStatus.GONE)
        self.assertEqual(self.read(self.expired), ('sent', None, []))

    def test_forged_refused(self):
        """A token changed in its id, expiry or signature, or not a token,
        is refused; a signed one of no response is not found"""
        base = self.url.rsplit('/', 1)[0]
        token = self.url.rsplit('/', 1)[1]
        response_id, stamp, signature = token.split('.')
        for forged in [
                '%s.%s.%s' % (int(response_id) + 1, stamp, signature),
                '%s.%s.%s' % (response_id, int(stamp) + 86400, signature),
                '%s.%s.%s' % (response_id, stamp, signature[:-1]
                    + ('B' if signature.endswith('A') else 'A')),
                '%s.%s' % (response_id, stamp),
                'abc']:
            for method in [self.client.get, self.client.post]:
                page = method('%s/%s' % (base, forged))
                self.assertEqual(page.status_code, HTTPStatus.FORBIDDEN,
                    msg=forged)
                self.assertIn('链接无效', page.get_data(as_text=True))
        page = self.post('%s/%s.%s.%s' % (base, self.response + 10000,
                self.stamp, self.forged), 5)
        self.assertEqual(page.status_code, HTTPStatus.NOT_FOUND)
        self.assertEqual(self.read(self.response), ('sent', None, []))

    def test_methods_refused(self):
        "Only GET and POST are answered"
        for method in ['PUT', 'DELETE', 'PATCH', 'HEAD']:
            page = self.client.open(self.url, method=method)
            self.assertEqual(page.status_code,
                HTTPStatus.METHOD_NOT_ALLOWED, msg=method)
        self.assertEqual(self.read(self.response), ('sent', None, []))
