# This file is part of the CRM suite.
"""What the server checks of a client in every module: the role behind a
button, and the fields only the server sets"""
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction

from .exceptions import RoleAccessError


def check_button_role(model, name):
    """Refuse the button name of model to a user in none of its groups: a
    client may call a button's method directly, whatever the view shows,
    and a button called from another server path runs without the button's
    own check"""
    pool = Pool()
    Button = pool.get('ir.model.button')
    User = pool.get('res.user')
    groups = Button.get_groups(model, name)
    if (Transaction().user and groups
            and not groups & set(User.get_groups())):
        raise RoleAccessError(gettext('crm_customer.msg_role_refused',
                action=Button.get_view_attributes(model, name).get('string')
                or name))


def refuse_server_fields(Model, names, sent):
    "Refuse the fields of names among sent: the server alone sets them"
    sent = sorted(set(sent) & set(names))
    if sent:
        strings = Model.fields_get(sent)
        raise RoleAccessError(gettext('crm_customer.msg_server_field',
                fields='、'.join(
                    strings.get(n, {}).get('string', n) for n in sent)))


def refuse_created_server_fields(Model, names, vlist, defaults=(None,)):
    """Refuse a client's create that gives a field of names a value other
    than its default (the initial state)"""
    for values in vlist:
        refuse_server_fields(Model, names,
            {n for n, v in values.items() if v not in defaults})


def filled_fields(records, names):
    "The fields of names that one of records has a value in"
    return {n for n in names for r in records
        if getattr(r, n, None) not in (None, [], ())}
