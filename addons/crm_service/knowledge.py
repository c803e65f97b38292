# This file is part of the CRM suite.
import datetime as dt

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered,
    tree)
from trytond.modules.crm_customer.access import refuse_server_fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import Button, StateView, Wizard

from .exceptions import ServiceAccessError, ServiceValidationError
from .segment import query_words, search_text

KINDS = [
    ('article', "Article"),
    ('qa', "Q&A"),
    ]
# What a version keeps: a save that changes one of them makes a version
VERSIONED = ['title', 'content', 'answer']
# What the search reads; the title and keywords count twice in the rank
INDEXED = VERSIONED + ['keywords']
# Set by the server alone, refused from a client
SERVER_FIELDS = {'version', 'versions', 'search_text', 'editor', 'edited_at'}


class Category(
        tree(separator=' / '), sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'crm.service.knowledge.category'
    __string__ = "Knowledge Category"

    name = fields.Char("Name", required=True, translate=True)
    parent = fields.Many2One('crm.service.knowledge.category', "Parent",
        ondelete='RESTRICT')
    children = fields.One2Many('crm.service.knowledge.category', 'parent',
        "Children")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.append(('name', 'ASC'))


class Article(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'crm.service.knowledge.article'
    __string__ = "Knowledge Article"

    kind = fields.Selection(KINDS, "Kind", required=True,
        help="A Q&A answers a question; its answer is what a customer's "
        "SMS question gets.")
    title = fields.Char("Title", required=True,
        help="For a Q&A, the question.")
    content = fields.Text("Content")
    answer = fields.Text("Answer",
        states={
            'invisible': Eval('kind') != 'qa',
            'required': Eval('kind') == 'qa',
            })
    category = fields.Many2One('crm.service.knowledge.category', "Category",
        ondelete='RESTRICT')
    keywords = fields.Char("Keywords",
        help="Other words the article is found by, separated by spaces.")
    groups = fields.Many2Many('crm.service.knowledge.article-res.group',
        'article', 'group', "Visible To",
        help="Empty for everyone who reads the knowledge base; otherwise "
        "only the members of these groups find and read it.")
    published = fields.Boolean("Published",
        help="Only published articles are found by the knowledge search, "
        "suggested for faults and sent as answers.")
    version = fields.Integer("Version", readonly=True)
    versions = fields.One2Many('crm.service.knowledge.version', 'article',
        "Versions", readonly=True)
    editor = fields.Many2One('res.user', "Edited By", readonly=True)
    edited_at = fields.DateTime("Edited At", readonly=True)
    search_text = fields.Text("Search Text", readonly=True,
        help="The words of the article, cut by jieba, as they are indexed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('edited_at', 'DESC'), ('id', 'DESC')]

    @classmethod
    def __register__(cls, module):
        super().__register__(module)
        cursor = Transaction().connection.cursor()
        # Raw DDL: Tryton's indexes know neither text search vectors nor
        # virtual tables. The name ends neither in _index nor starts with
        # idx_, so that Tryton's own index update leaves it.
        if backend.name == 'postgresql':
            cursor.execute(
                'CREATE INDEX IF NOT EXISTS "%s" ON "%s" USING GIN (%s)' % (
                    cls._table + '_fts', cls._table, cls._tsvector('')))
        elif backend.name == 'sqlite':
            cursor.execute(
                'CREATE VIRTUAL TABLE IF NOT EXISTS "%s" '
                'USING fts5(search_text)' % cls._fts_table())

    @staticmethod
    def _tsvector(alias):
        "The indexed expression: the query must repeat it to use the index"
        column = '%s"search_text"' % (alias + '.' if alias else '')
        return "to_tsvector('simple', COALESCE(%s, ''))" % column

    @classmethod
    def _fts_table(cls):
        return cls._table + '_fts'

    @classmethod
    def default_kind(cls):
        return 'article'

    @classmethod
    def default_published(cls):
        return True

    @classmethod
    def validate_fields(cls, articles, field_names):
        super().validate_fields(articles, field_names)
        if field_names & {'kind', 'answer'}:
            for article in articles:
                if article.kind == 'qa' and not (article.answer or '').strip():
                    raise ServiceValidationError(gettext(
                            'crm_service.msg_knowledge_answer_required',
                            article=article.rec_name))

    def _search_text(self):
        return search_text(self.title, self.title, self.keywords,
            self.keywords, self.content, self.answer)

    @classmethod
    def create(cls, vlist):
        now = dt.datetime.now()
        user = Transaction().user
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if Transaction().check_access:
                # A new record's empty defaults, which the client sends
                refuse_server_fields(cls, SERVER_FIELDS,
                    [n for n, v in values.items() if v])
            values.update(version=1, editor=user, edited_at=now,
                search_text=search_text(
                    *(values.get(n) for n in [
                            'title', 'title', 'keywords', 'keywords',
                            'content', 'answer'])))
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        pool = Pool()
        Version = pool.get('crm.service.knowledge.version')
        now = dt.datetime.now()
        user = Transaction().user
        actions = iter(args)
        versions, edited, indexed = [], [], []
        for articles, values in zip(actions, actions):
            if Transaction().check_access:
                refuse_server_fields(cls, SERVER_FIELDS, values)
            for article in articles:
                if any((getattr(article, n) or '') != (values[n] or '')
                        for n in values.keys() & set(VERSIONED)):
                    versions.append(article._version_values(user, now))
                    edited.append(article)
                elif values.keys() & set(INDEXED):
                    indexed.append(article)
        super().write(*args)
        # The server's own writes, after the user's passed the checks
        with without_check_access():
            if versions:
                Version.create(versions)
            to_write = []
            for article in edited:
                to_write.extend(([article], {
                            'version': article.version + 1,
                            'editor': user,
                            'edited_at': now,
                            'search_text': article._search_text(),
                            }))
            for article in indexed:
                to_write.extend(([article], {
                            'search_text': article._search_text(),
                            }))
            if to_write:
                super().write(*to_write)

    def _version_values(self, user, now):
        "The values of the version this article is before user's save"
        return {
            'article': self.id,
            'number': self.version,
            'title': self.title,
            'content': self.content,
            'answer': self.answer,
            'editor': self.editor.id if self.editor else None,
            'edited_at': self.edited_at,
            'replaced_by': user,
            'replaced_at': now,
            }

    @classmethod
    def copy(cls, articles, default=None):
        default = default.copy() if default is not None else {}
        # A copy starts its own history
        for name in SERVER_FIELDS:
            default.setdefault(name, None)
        return super().copy(articles, default=default)

    @classmethod
    def on_modification(cls, mode, articles, field_names=None):
        super().on_modification(mode, articles, field_names=field_names)
        if backend.name == 'sqlite' and (mode in {'create', 'delete'}
                or 'search_text' in field_names):
            cls._sync_fts(articles, mode == 'delete')

    @classmethod
    def _sync_fts(cls, articles, deleted=False):
        """Keep SQLite's FTS5 table, which no foreign key nor trigger ties to
        the articles, the copy of their search text"""
        cursor = Transaction().connection.cursor()
        table = '"%s"' % cls._fts_table()
        for sub in grouped_slice(articles, backend.MAX_QUERY_PARAMS):
            sub = list(sub)
            cursor.execute('DELETE FROM %s WHERE rowid IN (%s)' % (
                    table, ', '.join('?' * len(sub))), [a.id for a in sub])
            if not deleted:
                cursor.executemany(
                    'INSERT INTO %s (rowid, search_text) VALUES (?, ?)'
                    % table, [(a.id, a.search_text or '') for a in sub])

    @classmethod
    def search_text_ranked(cls, query, limit=10, domain=None, match='all'):
        """The published articles the user may read that hold the words of
        query (all of them, or with match='any' any), best first: by
        ts_rank divided by the log of the length on PostgreSQL, by bm25 on
        SQLite, both counting the words found and their frequency.

        Raw SQL: the ranking functions of the full-text search are not in
        the ORM. The candidates are the ORM's search of the visible
        articles, so the access rights and record rules apply even where
        a Function field's getter runs without them."""
        words = query_words(query)
        if not words:
            return []
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        with check_access():
            visible, visible_params = tuple(cls.search(
                    [('published', '=', True)] + (domain or []),
                    order=[], query=True))
        if backend.name == 'postgresql':
            if match == 'any':
                tsquery = ' || '.join(
                    ["plainto_tsquery('simple', %s)"] * len(words))
                query_params = words
            else:
                tsquery = "plainto_tsquery('simple', %s)"
                query_params = [' '.join(words)]
            vector = cls._tsvector('a')
            cursor.execute(
                'SELECT a.id FROM "%s" AS a WHERE %s @@ (%s) '
                'AND a.id IN (%s) ORDER BY ts_rank(%s, %s, 1) DESC, a.id DESC '
                'LIMIT %%s' % (cls._table, vector, tsquery, visible,
                    vector, tsquery),
                query_params + list(visible_params) + query_params + [limit])
        elif backend.name == 'sqlite':
            table = '"%s"' % cls._fts_table()
            terms = ['"%s"' % w.replace('"', '""') for w in words]
            cursor.execute(
                'SELECT rowid FROM %s WHERE %s MATCH ? AND rowid IN (%s) '
                'ORDER BY bm25(%s), rowid DESC LIMIT ?' % (
                    table, table, visible, table),
                [(' OR ' if match == 'any' else ' ').join(terms)]
                + list(visible_params) + [limit])
        else:
            # Another backend: the articles holding every word, unranked
            return cls.search([('published', '=', True)] + (domain or [])
                + [('search_text', 'ilike', '%' + w + '%') for w in words],
                limit=limit)
        return cls.browse([i for i, in cursor])


class ArticleGroup(ModelSQL):
    __name__ = 'crm.service.knowledge.article-res.group'
    __string__ = "Knowledge Article - Group"

    article = fields.Many2One('crm.service.knowledge.article', "Article",
        required=True, ondelete='CASCADE')
    group = fields.Many2One('res.group', "Group", required=True,
        ondelete='CASCADE')


class Version(ModelSQL, ModelView):
    __name__ = 'crm.service.knowledge.version'
    __string__ = "Knowledge Article Version"

    article = fields.Many2One('crm.service.knowledge.article', "Article",
        required=True, ondelete='CASCADE', readonly=True)
    number = fields.Integer("Version", required=True, readonly=True)
    title = fields.Char("Title", readonly=True)
    content = fields.Text("Content", readonly=True)
    answer = fields.Text("Answer", readonly=True)
    editor = fields.Many2One('res.user', "Written By", readonly=True)
    edited_at = fields.DateTime("Written At", readonly=True)
    replaced_by = fields.Many2One('res.user', "Replaced By", readonly=True)
    replaced_at = fields.DateTime("Replaced At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('article_number_unique', Unique(t, t.article, t.number),
                'crm_service.msg_knowledge_version_unique'),
            ]
        cls._order = [('article', 'ASC'), ('number', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        return '%s v%s' % (self.title, self.number)

    @classmethod
    def check_modification(cls, mode, versions, values=None, external=False):
        super().check_modification(
            mode, versions, values=values, external=external)
        # Written by the article's save alone: a client's change of the
        # history is refused even to those whose rights would allow it
        if external:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_knowledge_version_readonly'))


class SearchStart(ModelView):
    __name__ = 'crm.service.knowledge.search.start'
    __string__ = "Knowledge Search"

    query = fields.Char("Search",
        help="Words in Chinese or other languages; the articles holding "
        "all of them are listed, best first.")
    results = fields.Many2Many('crm.service.knowledge.article', None, None,
        "Articles", readonly=True)

    @fields.depends('query')
    def on_change_with_results(self):
        Article = Pool().get('crm.service.knowledge.article')
        if not self.query:
            return []
        articles = Article.search_text_ranked(self.query, limit=20)
        if not articles:
            # Fewer words did not all match: those holding any of them
            articles = Article.search_text_ranked(
                self.query, limit=20, match='any')
        return [a.id for a in articles]


class Search(Wizard):
    __name__ = 'crm.service.knowledge.search'
    __string__ = "Knowledge Search"

    start = StateView('crm.service.knowledge.search.start',
        'crm_service.knowledge_search_start_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])


ANSWER_STATES = [
    ('answered', "Answered"),
    ('fallback', "Fallback Sent"),
    ('no_match', "No Match"),
    ('not_sent', "Not Sent"),
    ]


class Question(ModelSQL, ModelView):
    __name__ = 'crm.service.knowledge.question'
    __string__ = "SMS Question"

    reply = fields.Many2One('sms.reply', "SMS Reply", required=True,
        ondelete='CASCADE', readonly=True)
    party = fields.Function(fields.Many2One('party.party', "Customer"),
        'get_reply_field', searcher='search_reply_field')
    received_at = fields.Function(fields.DateTime("Received At"),
        'get_reply_field')
    text = fields.Function(fields.Text("Question"), 'get_reply_field')
    article = fields.Many2One('crm.service.knowledge.article', "Article",
        ondelete='SET NULL', readonly=True)
    message = fields.Many2One('sms.message', "Answer Message",
        ondelete='SET NULL', readonly=True)
    answer = fields.Function(fields.Text("Answer"), 'get_answer')
    state = fields.Selection(ANSWER_STATES, "State", required=True,
        readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('reply_unique', Unique(t, t.reply),
                'crm_service.msg_knowledge_question_unique'),
            ]
        cls._order = [('id', 'DESC')]
        # The question is the customer's reply: it follows the reply's
        # rights and its customer's visibility
        cls.__access__.add('reply')

    def get_reply_field(self, name):
        value = getattr(self.reply, {'party': 'party', 'received_at':
                'received_at', 'text': 'text'}[name])
        return value.id if name == 'party' and value else value

    @classmethod
    def search_reply_field(cls, name, clause):
        return [('reply.' + clause[0],) + tuple(clause[1:])]

    def get_answer(self, name):
        # The message's text: erased with the customer's messages
        return self.message.text if self.message else None

    @classmethod
    def check_modification(cls, mode, questions, values=None,
            external=False):
        super().check_modification(
            mode, questions, values=values, external=external)
        if external:
            raise ServiceAccessError(gettext(
                    'crm_service.msg_knowledge_question_readonly'))

    @classmethod
    def answer_replies(cls, replies):
        """Answer each reply that starts with the configured keyword with
        the best Q&A visible to everyone, once; return the questions"""
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Article = pool.get('crm.service.knowledge.article')
        Message = pool.get('sms.message')
        configuration = Configuration(1)
        keyword = (configuration.knowledge_sms_keyword or '').strip()
        if not keyword:
            return []
        answered = {q.reply.id for q in cls.search(
                [('reply', 'in', [r.id for r in replies])])}
        template = configuration.knowledge_sms_template
        fallback = (configuration.knowledge_sms_fallback or '').strip()
        to_create = []
        for reply in replies:
            text = (reply.text or '').strip()
            if (reply.id in answered or reply.unsubscribe
                    or not text.startswith(keyword)):
                continue
            answered.add(reply.id)
            # The customer's SMS reaches no group: only articles for all
            articles = Article.search_text_ranked(text[len(keyword):],
                limit=1, match='any',
                domain=[('kind', '=', 'qa'), ('groups', '=', None)])
            if articles:
                state, answer = 'answered', articles[0].answer
            elif fallback:
                state, answer = 'fallback', fallback
            else:
                state, answer = 'no_match', None
            message = None
            if answer:
                if reply.party and template:
                    # The occasion makes it one message per reply
                    message = Message.send(reply.party, template,
                        values={'answer': answer},
                        occasion='knowledge-reply-%s' % reply.id,
                        gateway=reply.gateway)
                if not message:
                    state = 'not_sent'
            to_create.append({
                    'reply': reply.id,
                    'article': articles[0].id if articles else None,
                    'message': message.id if message else None,
                    'state': state,
                    })
        with without_check_access():
            return cls.create(to_create)
