# This file is part of the CRM suite.
"""The knowledge base: the Chinese full-text search (SQLite's FTS5 or
PostgreSQL's text search, whichever backend the tests run on), versions,
visibility by group and the answers to SMS questions"""
import datetime as dt

from trytond import backend
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user, create_staff)
from trytond.modules.crm_sms.provider import Reply as ProviderReply
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction


class KnowledgeTestCase(ModuleDatabaseTestCase):
    "Knowledge base"
    module = 'crm_service'

    @staticmethod
    def article(title, content=None, **values):
        Article = Pool().get('crm.service.knowledge.article')
        article, = Article.create([dict(title=title, content=content,
                    **values)])
        return article

    @staticmethod
    def ranked(query, **kwargs):
        Article = Pool().get('crm.service.knowledge.article')
        return [a.title for a in Article.search_text_ranked(query, **kwargs)]

    @with_transaction()
    def test_segmented_words_found(self):
        "An article is found by each of the words jieba cuts it into"
        pool = Pool()
        Article = pool.get('crm.service.knowledge.article')
        self.article("会员卡积分兑换规则",
            "积分可在收银台兑换礼品或抵扣现金。")
        hours = self.article("营业时间", "门店每天九点开门，二十一点打烊。")
        self.article("旧的促销", "积分翻倍", published=False)

        self.assertEqual(self.ranked("积分"), ["会员卡积分兑换规则"])
        self.assertEqual(self.ranked("兑换"), ["会员卡积分兑换规则"])
        self.assertEqual(self.ranked("会员卡"), ["会员卡积分兑换规则"])
        self.assertEqual(self.ranked("请问积分怎么兑换？"),
            ["会员卡积分兑换规则"])
        self.assertEqual(self.ranked("开门"), ["营业时间"])
        self.assertEqual(self.ranked("退货"), [])
        self.assertEqual(self.ranked("的"), [])

        # The index follows the saves and the deletions
        Article.write([hours], {'keywords': "积分"})
        self.assertEqual(sorted(self.ranked("积分")),
            ["会员卡积分兑换规则", "营业时间"])
        Article.delete([hours])
        self.assertEqual(self.ranked("积分"), ["会员卡积分兑换规则"])
        self.assertEqual(self.ranked("开门"), [])

    @with_transaction()
    def test_full_text_index(self):
        "The backend's full-text index exists and holds the cut words"
        Article = Pool().get('crm.service.knowledge.article')
        article = self.article("会员卡积分兑换规则", keywords="VIP")
        self.assertEqual(article.search_text.split(), [
                '会员', '会员卡', '积分', '兑换', '规则',
                '会员', '会员卡', '积分', '兑换', '规则', 'vip', 'vip'])
        cursor = Transaction().connection.cursor()
        if backend.name == 'postgresql':
            cursor.execute('SELECT indexdef FROM pg_indexes '
                'WHERE indexname = %s', (Article._table + '_fts',))
            (definition,), = cursor.fetchall()
            self.assertIn('USING gin', definition)
            self.assertIn("to_tsvector('simple'", definition)
        else:
            cursor.execute('SELECT search_text FROM "%s" WHERE rowid = ?'
                % Article._fts_table(), (article.id,))
            self.assertEqual(cursor.fetchall(), [(article.search_text,)])

    @with_transaction()
    def test_ranking(self):
        "More relevant articles come first; 'any' finds partial matches"
        self.article("门店介绍", "本店出售家电、手机和电脑，" * 20 + "也收积分。")
        self.article("积分规则", "积分按消费累计，积分一年有效，积分可兑换。")
        self.article("兑换流程", "在收银台出示会员卡，用积分兑换礼品。")

        self.assertEqual(self.ranked("积分"),
            ["积分规则", "兑换流程", "门店介绍"])
        self.assertEqual(self.ranked("积分 兑换"), ["积分规则", "兑换流程"])
        self.assertEqual(self.ranked("积分 兑换", limit=1), ["积分规则"])
        self.assertEqual(self.ranked("收银台 积分"), ["兑换流程"])
        self.assertEqual(self.ranked("积分 有效"), ["积分规则"])
        self.assertEqual(self.ranked("礼品 家电 手机", match='any', limit=1),
            ["门店介绍"])
        self.assertEqual(len(self.ranked("积分 有效 家电", match='any')), 3)

    @with_transaction()
    def test_versions(self):
        "Each change of the text keeps the previous version, server only"
        pool = Pool()
        Article = pool.get('crm.service.knowledge.article')
        Version = pool.get('crm.service.knowledge.version')
        company = create_company()
        with set_company(company):
            writer = create_staff(company, 'kefu', 'group_service')
            other = create_staff(company, 'kefu2', 'group_service')
            reader = create_staff(company, 'sales', 'group_salesperson')

        with as_user(writer):
            article, = Article.create([{
                        'kind': 'qa', 'title': "积分多久过期？",
                        'answer': "积分一年有效。"}])
            created = article.edited_at
            self.assertEqual(article.version, 1)
            self.assertEqual(article.editor, writer)
            self.assertEqual(article.versions, ())
        with as_user(other):
            Article.write([Article(article.id)], {
                    'answer': "积分两年有效。"})
            # Neither another field nor the same text makes a version
            Article.write([Article(article.id)], {
                    'published': False, 'answer': "积分两年有效。"})
        article = Article(article.id)
        self.assertEqual(article.version, 2)
        self.assertEqual(article.editor, other)
        version, = article.versions
        self.assertEqual((version.number, version.title, version.answer),
            (1, "积分多久过期？", "积分一年有效。"))
        self.assertEqual((version.editor, version.edited_at),
            (writer, created))
        self.assertEqual(version.replaced_by, other)
        self.assertEqual(version.replaced_at, article.edited_at)
        self.assertEqual(self.ranked("两年"), [])  # unpublished
        self.assertEqual(self.ranked("两年", domain=[]), [])
        Article.write([article], {'published': True})
        self.assertEqual(self.ranked("两年"), ["积分多久过期？"])
        self.assertEqual(self.ranked("一年"), [])

        with as_user(reader):
            self.assertEqual(Version.search([]), [version])
            self.assertEqual(Version(version.id).answer, "积分一年有效。")
            with self.assertRaises(AccessError):
                Version.write([Version(version.id)], {'answer': "改"})
        with as_user(writer):
            for call in [
                    lambda: Version.write(
                        [Version(version.id)], {'answer': "改"}),
                    lambda: Version.create([{'article': article.id,
                                'number': 7, 'title': "伪造"}]),
                    lambda: Version.delete([Version(version.id)]),
                    lambda: Article.write([Article(article.id)], {
                            'versions': [('create', [{
                                            'number': 7, 'title': "伪造"}])],
                            }),
                    lambda: Article.write([Article(article.id)], {
                            'version': 1}),
                    lambda: Article.write([Article(article.id)], {
                            'search_text': "伪造"}),
                    lambda: Article.create([{'title': "新",
                                'editor': other.id}]),
                    ]:
                with self.assertRaises(AccessError):
                    call()
        self.assertEqual(Version.search([]), [version])
        self.assertEqual(Article(article.id).version, 2)

        # A copy starts its own history
        copy, = Article.copy([article])
        self.assertEqual((copy.version, copy.versions), (1, ()))
        self.assertEqual(sorted(self.ranked("两年")), ["积分多久过期？"] * 2)

    @with_transaction()
    def test_group_visibility(self):
        "An article for some groups is neither found nor read by others"
        pool = Pool()
        Article = pool.get('crm.service.knowledge.article')
        Version = pool.get('crm.service.knowledge.version')
        Attachment = pool.get('ir.attachment')
        Group = pool.get('res.group')
        User = pool.get('res.user')
        company = create_company()
        with set_company(company):
            insider = create_staff(company, 'insider', 'group_service')
            outsider = create_staff(company, 'outsider', 'group_service')
            manager = create_staff(company, 'manager', 'group_sales_manager')
        group, = Group.create([{'name': "竞品小组"}])
        User.write([insider], {'groups': [('add', [group.id])]})

        with as_user(insider):
            secret, = Article.create([{
                        'title': "竞争对手价格", 'content': "对手会员价低一成",
                        'groups': [('add', [group.id])]}])
            public, = Article.create([{
                        'title': "会员价说明", 'content': "会员价按等级"}])
            Article.write([secret], {'content': "对手会员价低两成"})
            attachment, = Attachment.create([{
                        'name': "price.txt", 'resource': str(secret),
                        'data': b'1'}])
            self.assertEqual(sorted(self.ranked("会员价")),
                ["会员价说明", "竞争对手价格"])
            self.assertEqual(Attachment.search([]), [attachment])

        for user, seen in [(outsider, False), (manager, True)]:
            with self.subTest(user=user.login), as_user(user):
                self.assertEqual("竞争对手价格" in self.ranked("会员价"), seen)
                self.assertEqual(secret in Article.search([]), seen)
                self.assertIn(public, Article.search([]))
                self.assertEqual(bool(Version.search([])), seen)
                self.assertEqual(bool(Attachment.search([])), seen)
                if not seen:
                    with self.assertRaises(AccessError):
                        Article.read([secret.id], ['title'])
                    with self.assertRaises(AccessError):
                        Attachment.read([attachment.id], ['data'])
                    with self.assertRaises(AccessError):
                        Article.write([Article(secret.id)], {'title': "x"})
                else:
                    self.assertEqual(
                        Article.read([secret.id], ['title'])[0]['title'],
                        "竞争对手价格")

    def configure_sms(self, fallback=None):
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Gateway = pool.get('sms.gateway')
        Template = pool.get('sms.template')
        gateway = Gateway(name="日志", kind='log')
        gateway.save()
        template = Template(name="知识库答复", kind='service',
            content="${answer}【示例门店】", gateway=gateway)
        template.save()
        Configuration.write([Configuration(1)], {
                'sms_gateway': gateway.id,
                'sms_send_from': dt.time(0),
                'sms_send_until': dt.time.max,
                'knowledge_sms_template': template.id,
                'knowledge_sms_fallback': fallback,
                })
        return gateway

    @staticmethod
    def customer(mobile):
        Party = Pool().get('party.party')
        party = Party(name="王芳", sms_consent=False,
            contact_mechanisms=[{'type': 'mobile', 'value': mobile}])
        party.save()
        return party

    @with_transaction()
    def test_sms_question_answered(self):
        "A reply starting with 问 gets the best Q&A's answer, once"
        pool = Pool()
        Reply = pool.get('sms.reply')
        Question = pool.get('crm.service.knowledge.question')
        Message = pool.get('sms.message')
        Group = pool.get('res.group')
        gateway = self.configure_sms()
        party = self.customer('+8613800000011')
        qa = self.article("积分怎么兑换？", kind='qa',
            answer="积分可在收银台兑换礼品，100积分抵1元。")
        self.article("积分过期规则", "积分一年有效")
        group, = Group.create([{'name': "内部"}])
        self.article("积分兑换内部流程？", kind='qa', answer="内部：先审批",
            keywords="积分 兑换 积分 兑换 收银台",
            groups=[('add', [group.id])])

        replies = Reply.record(gateway, [
                ProviderReply(party.sms_mobile, "问：请问积分在哪里兑换？"),
                ProviderReply(party.sms_mobile, "积分怎么兑换"),
                ])
        question, = Question.search([])
        self.assertEqual(question.reply, replies[0])
        self.assertEqual(question.party, party)
        self.assertEqual(question.article, qa)
        self.assertEqual(question.state, 'answered')
        self.assertEqual(question.message.party, party)
        self.assertEqual(question.message.kind, 'service')
        self.assertEqual(question.message.text,
            "积分可在收银台兑换礼品，100积分抵1元。【示例门店】")
        self.assertEqual(question.answer, question.message.text)
        self.assertEqual(Question.search([('party', '=', party.id)]),
            [question])

        # Once per reply
        self.assertEqual(Question.answer_replies(replies), [])
        self.assertEqual(Question.search_count([]), 1)
        self.assertEqual(Message.search_count([]), 1)

        # Nothing matches: logged, nothing sent without a fallback text
        reply, = Reply.record(gateway, [
                ProviderReply(party.sms_mobile, "问 手机能修吗")])
        question, = Question.search([('reply', '=', reply.id)])
        self.assertEqual((question.state, question.article, question.message),
            ('no_match', None, None))
        self.assertEqual(Message.search_count([]), 1)

    @with_transaction()
    def test_sms_question_fallback(self):
        "The fallback text answers what nothing matches; unknown numbers"
        pool = Pool()
        Reply = pool.get('sms.reply')
        Question = pool.get('crm.service.knowledge.question')
        gateway = self.configure_sms(fallback="您的问题已转客服，稍后回电。")
        party = self.customer('+8613800000012')
        replies = Reply.record(gateway, [
                ProviderReply(party.sms_mobile, "问 手机能修吗"),
                ProviderReply('+8613900000000', "问 手机能修吗"),
                ])
        known, unknown = [Question.search([('reply', '=', r.id)])[0]
            for r in replies]
        self.assertEqual(known.state, 'fallback')
        self.assertEqual(known.message.text,
            "您的问题已转客服，稍后回电。【示例门店】")
        # No customer to send to
        self.assertEqual((unknown.state, unknown.message),
            ('not_sent', None))

    @with_transaction()
    def test_sms_question_refused_to_clients(self):
        "The question log is the server's; 客服 reads it"
        pool = Pool()
        Reply = pool.get('sms.reply')
        Question = pool.get('crm.service.knowledge.question')
        gateway = self.configure_sms()
        party = self.customer('+8613800000013')
        self.article("积分怎么兑换？", kind='qa', answer="在收银台兑换。")
        reply, = Reply.record(gateway, [
                ProviderReply(party.sms_mobile, "问积分兑换")])
        company = create_company()
        with set_company(company):
            service = create_staff(company, 'kefu', 'group_service')
        with as_user(service):
            question, = Question.search([])
            self.assertEqual(question.text, "问积分兑换")
            with self.assertRaises(AccessError):
                Question.write([question], {'state': 'no_match'})
            with self.assertRaises(AccessError):
                Question.create([{'reply': reply.id, 'state': 'answered'}])

    @with_transaction()
    def test_search_wizard(self):
        "The 知识搜索 dialog lists the ranked articles, any word at worst"
        pool = Pool()
        Start = pool.get('crm.service.knowledge.search.start')
        first = self.article("积分兑换流程", "积分兑换在收银台办理")
        second = self.article("积分规则", "积分一年有效")
        start = Start(query="积分兑换")
        self.assertEqual(start.on_change_with_results(), [first.id])
        start = Start(query="积分 有效 保修")
        self.assertEqual(start.on_change_with_results()[0], second.id)
        self.assertEqual(Start(query="").on_change_with_results(), [])

    @with_transaction()
    def test_fault_suggests_articles(self):
        "A service request's fault suggests matching articles"
        pool = Pool()
        Request = pool.get('crm.service.request')
        Party = pool.get('party.party')
        Group = pool.get('res.group')
        company = create_company()
        screen = self.article("屏幕不亮怎么办", "检查电源线和屏幕排线")
        self.article("会员卡积分", "积分规则")
        with set_company(company):
            party, = Party.create([{'name': "李娜"}])
            request, = Request.create([{
                        'company': company.id, 'customer': party.id,
                        'fault': "电视屏幕不亮，有声音"}])
            self.assertEqual(list(request.suggested_articles), [screen])
            # Under the record rules of the user who reads the request
            group, = Group.create([{'name': "技术内部"}])
            self.article("屏幕排线更换", "拆机步骤", keywords="屏幕 不亮",
                groups=[('add', [group.id])])
            service = create_staff(company, 'kefu', 'group_service')
            self.assertEqual(len(Request(request.id).suggested_articles), 2)
            with as_user(service):
                self.assertEqual(
                    list(Request(request.id).suggested_articles), [screen])


del ModuleDatabaseTestCase
