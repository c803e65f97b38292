# This file is part of the CRM suite.
"The address SMS providers push delivery reports and replies to"
import json
import logging
import re

from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, allow_null_origin, with_pool,
    with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .provider import masked

logger = logging.getLogger(__name__)
# What may be a mobile number in what a provider pushed
PHONE = re.compile(r'\+?\d{7,}')


@app.route('/<database_name>/sms/callback/<token>/<any(report,reply):kind>',
    methods={'POST'})
@allow_null_origin
@with_pool
@with_transaction(readonly=False)
def callback(request, pool, token, kind):
    Gateway = pool.get('sms.gateway')
    Message = pool.get('sms.message')
    Reply = pool.get('sms.reply')
    # A gateway set aside still hears of the messages it sent
    with Transaction().set_context(active_test=False):
        gateways = Gateway.search(
            [('callback_token', '=', token)], limit=1)
    if not token or not gateways:
        abort(HTTPStatus.NOT_FOUND)
    gateway, = gateways
    provider = gateway.provider
    body = request.get_data()
    try:
        if kind == 'report':
            Message.record_reports(gateway, provider.parse_reports(body))
        else:
            Reply.record(gateway, provider.parse_replies(body))
    except (ValueError, KeyError, TypeError, AttributeError):
        # Masked: a log is out of reach of the erasure of a customer
        logger.warning("SMS %s of gateway %s not understood: %r",
            kind, gateway.id, PHONE.sub(
                lambda m: masked(m.group()), body[:500].decode(
                    errors='replace')))
        abort(HTTPStatus.BAD_REQUEST)
    return Response(json.dumps(provider.callback_answer,
            ensure_ascii=False), content_type='application/json')
