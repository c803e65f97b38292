"""SMS over real HTTP: the demo shop sends through a fake Aliyun on
loopback, which then pushes its delivery report and a customer's reply to
the suite's callback address on the running server."""
import json

from proteus import Model

from test_demo import connect, search_read
from trytond.modules.crm_sms.tests.fakes import FakeAliyun


def test_send_report_and_unsubscribe(server, demo_database):
    config = connect(server, demo_database, 'admin')
    Gateway = Model.get('sms.gateway', config=config)
    Template = Model.get('sms.template', config=config)
    Search = Model.get('ir.ui.view_search', config=config)
    Bulk = Model.get('sms.bulk', config=config)
    Configuration = Model.get('crm.configuration', config=config)
    customer, = search_read(config, 'party.party', [
            ('sms_consent', '=', True),
            ('sms_opt_out', '!=', True),
            ('sms_mobile', '!=', None),
            ], ['code', 'name', 'sms_mobile', 'sms_replies'])[:1]
    settings = Configuration(1)
    settings.sms_send_until = settings.sms_send_until.max
    settings.sms_send_from = settings.sms_send_from.min
    settings.save()

    with FakeAliyun() as fake:
        gateway = Gateway(name="阿里云", kind='aliyun', endpoint=fake.url,
            key_id=fake.key_id, key_secret=fake.key_secret,
            signature="示例门店")
        gateway.save()
        template = Template(name="会员日", kind='marketing',
            code='SMS_100001', gateway=gateway,
            content="${name}您好，本周六会员日全场八折。")
        template.save()
        search = Search(name="一位客户", model='party.party',
            domain=json.dumps([['code', '=', customer['code']]]))
        search.save()
        bulk = Bulk(name="会员日通知", customer_filter=search,
            template=template)
        bulk.save()
        # One message goes at once through the queue, after the commit
        bulk.click('send')

        sent, = fake.sent
        assert sent['phone'] == customer['sms_mobile'][3:]
        assert sent['params'] == {'name': customer['name']}
        message, = search_read(config, 'sms.message',
            [('origin', '=', 'sms.bulk,%s' % bulk.id)],
            ['state', 'provider_id'])
        assert message['state'] == 'sent'
        assert message['provider_id'] == sent['biz_id']

        gateway.reload()
        status, answer = fake.push_reports(
            server + gateway.callback_report_path.lstrip('/'))
        assert (status, answer) == (200, {'code': 0, 'msg': '接收成功'})
        message, = search_read(config, 'sms.message',
            [('id', '=', message['id'])], ['state', 'delivered_at'])
        assert message['state'] == 'delivered'
        assert message['delivered_at']

        status, _ = fake.push_reply(
            server + gateway.callback_reply_path.lstrip('/'),
            customer['sms_mobile'][3:], "退订")
        assert status == 200
        party, = search_read(config, 'party.party',
            [('code', '=', customer['code'])],
            ['sms_opt_out', 'sms_replies'])
        assert party['sms_opt_out']
        # Other tests of the session may have replied before
        assert len(party['sms_replies']) == len(customer['sms_replies']) + 1

        # An unknown token is not an address of the suite
        status = _post_status(server + gateway.callback_report_path.lstrip(
                '/').replace(gateway.callback_token, 'wrong'))
        assert status == 404


def _post_status(url):
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(urllib.request.Request(url, b'[]'),
                timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
