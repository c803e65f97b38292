# This file is part of the CRM suite.
"The web-client notifications of the sales force"
import json

from trytond.pool import Pool
from trytond.transaction import without_check_access


def one_line(text):
    return ' '.join((text or '').split())


def notify(employees, label, description=None, records=()):
    """Notify the users of employees; a click opens records (of one
    model). The SMS copy, where configured, is the caller's."""
    pool = Pool()
    Notification = pool.get('res.notification')
    User = pool.get('res.user')
    employee_ids = list({e.id for e in employees if e})
    if not employee_ids:
        return []
    with without_check_access():
        users = User.search([
                ('employees', 'in', employee_ids),
                ('active', '=', True),
                ])
        records = list(records)
        return Notification.create([{
                    'user': u.id,
                    # One line each: the notification's fields are Char
                    'label': one_line(label)[:100],
                    'description': one_line(description)[:200] or None,
                    'icon': 'tryton-notification',
                    'model': records[0].__name__ if records else None,
                    'records': (json.dumps([r.id for r in records])
                        if records else None),
                    } for u in users])


def text_staff(employees, template, values=None, origin=None, occasion=None):
    """Queue the SMS template to the mobile of each employee's party, once
    per employee and occasion (crm_sms's dedup key); no template, no SMS"""
    pool = Pool()
    Message = pool.get('sms.message')
    if not template:
        return []
    messages = []
    with without_check_access():
        for employee in {e for e in employees if e}:
            message = Message.send(employee.party, template,
                values=values, origin=origin,
                occasion=('%s:%s' % (occasion, employee.id)
                    if occasion else None))
            if message:
                messages.append(message)
    return messages
