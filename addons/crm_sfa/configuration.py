# This file is part of the CRM suite.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'crm.configuration'

    sfa_reminder_sms_template = fields.Many2One('sms.template',
        "Due Contacts SMS", ondelete='RESTRICT',
        help="Sent each morning to the salespeople who have contacts due "
        "(placeholder count); empty for the web-client notification only.")
    sfa_urge_sms_template = fields.Many2One('sms.template',
        "Urging SMS", ondelete='RESTRICT',
        help="Sent to the owner of an urged deal, task or contact "
        "(placeholders record and note); empty for none.")
    # Reminders: how many days before, empty for none
    sfa_repurchase_days = fields.Integer("Repurchase Reminder Days",
        domain=['OR', ('sfa_repurchase_days', '=', None),
            ('sfa_repurchase_days', '>=', 0)],
        help="The customers expected to buy a product again within this "
        "many days are reminded, and their owner notified; empty for none.")
    sfa_repurchase_sms_template = fields.Many2One('sms.template',
        "Repurchase SMS", ondelete='RESTRICT',
        help="Sent to the customer before the expected repurchase "
        "(placeholders product and due_date); empty for none.")
    sfa_warranty_days = fields.Integer("Warranty Reminder Days",
        domain=['OR', ('sfa_warranty_days', '=', None),
            ('sfa_warranty_days', '>=', 0)],
        help="The customers whose warranty of a purchase ends within this "
        "many days are reminded, and their owner notified; empty for none.")
    sfa_warranty_sms_template = fields.Many2One('sms.template',
        "Warranty SMS", ondelete='RESTRICT',
        help="Sent to the customer before the warranty ends "
        "(placeholders product and due_date); empty for none.")
    sfa_birthday_days = fields.Integer("Birthday Advance Days",
        domain=['OR', ('sfa_birthday_days', '=', None),
            ('sfa_birthday_days', '>=', 0)],
        help="Each salesperson is told of their customers' birthdays this "
        "many days ahead; empty for none.")
    sfa_holiday_days = fields.Integer("Holiday Advance Days",
        domain=['OR', ('sfa_holiday_days', '=', None),
            ('sfa_holiday_days', '>=', 0)],
        help="Each salesperson is told of a statutory holiday this many "
        "days ahead; empty for none.")

    @classmethod
    def default_sfa_repurchase_days(cls):
        return 3

    @classmethod
    def default_sfa_warranty_days(cls):
        return 7

    @classmethod
    def default_sfa_birthday_days(cls):
        return 3

    @classmethod
    def default_sfa_holiday_days(cls):
        return 3
