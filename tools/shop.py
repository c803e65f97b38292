"""What a new shop's database holds before its administrator first logs in:
the company, in yuan and on Beijing time, and Chinese for the staff and the
customers. `make setup` makes this for a real shop; the demo starts with
it too. The chart of accounts, the till and the staff are the
administrator's to set up in the web client."""
from decimal import Decimal

LANGUAGE = 'zh_CN'


def load(database, name):
    "Set up the shop called name in a database with the suite activated"
    from proteus import Model
    from proteus import config as pconfig
    config = pconfig.set_trytond(database.name,
        config_file=database.config_files)
    create_company(name)
    config._context = Model.get('res.user').get_preferences(True, {})
    party_language()
    user_languages()
    # What is done here is not asked again in the configuration wizard
    Item = Model.get('ir.module.config_wizard.item')
    Wizard = Model.get('ir.action.wizard')
    done = Wizard.find([
            ('wiz_name', 'in', ['company.company.config', 'ir.lang.config']),
            ])
    items = Item.find([('action', 'in', [w.action.id for w in done])])
    for item in items:
        item.state = 'done'
    Item.save(items)


def create_company(name):
    "The company of the shop called name, in yuan on Beijing time"
    from proteus import Model, Wizard
    Party = Model.get('party.party')
    Currency = Model.get('currency.currency')
    currency = Currency(name="人民币", code='CNY', symbol='¥', digits=2,
        rounding=Decimal('0.01'), numeric_code='156')
    currency.save()
    wizard = Wizard('company.company.config')
    wizard.execute('company')
    party = Party(name=name)
    party.save()
    wizard.form.party = party
    wizard.form.currency = currency
    wizard.form.timezone = 'Asia/Shanghai'
    # The wizard gives the company to the users who have none: the admin
    wizard.execute('add')
    company, = Model.get('company.company').find()
    return company


def party_language():
    "Customers are written to in Chinese"
    from proteus import Model
    Lang = Model.get('ir.lang')
    configuration = Model.get('party.configuration')(1)
    configuration.party_lang, = Lang.find([('code', '=', LANGUAGE)])
    configuration.save()


def user_languages():
    "Everyone works in Chinese"
    from proteus import Model
    Lang = Model.get('ir.lang')
    User = Model.get('res.user')
    language, = Lang.find([('code', '=', LANGUAGE)])
    users = User.find([])
    for user in users:
        user.language = language
    User.save(users)
