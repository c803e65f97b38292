# This file is part of the CRM suite.
"The providers' signatures against their published examples"
import unittest

from trytond.modules.crm_sms.message import is_unsubscribe
from trytond.modules.crm_sms.provider import (
    aliyun_signature, placeholders, tc3_authorization)


class ProviderTestCase(unittest.TestCase):

    def test_aliyun_signature_sms_example(self):
        "Aliyun's SMS signing example (testId / testSecret)"
        params = {
            'AccessKeyId': 'testId',
            'Action': 'SendSms',
            'Format': 'XML',
            'OutId': '123',
            'PhoneNumbers': '15300000001',
            'RegionId': 'cn-hangzhou',
            'SignName': '阿里云短信测试专用',
            'SignatureMethod': 'HMAC-SHA1',
            'SignatureNonce': '45e25e9b-0a6f-4070-8c85-2956eda1b466',
            'SignatureVersion': '1.0',
            'TemplateCode': 'SMS_71390007',
            'TemplateParam': '{"customer":"test"}',
            'Timestamp': '2017-07-12T02:42:19Z',
            'Version': '2017-05-25',
            }
        self.assertEqual(aliyun_signature('GET', params, 'testSecret'),
            'zJDF+Lrzhj/ThnlvIToysFRq6t4=')

    def test_aliyun_signature_rpc_example(self):
        "Aliyun's RPC signing example (DescribeRegions) and its SDK's test"
        params = {
            'AccessKeyId': 'testid',
            'Action': 'DescribeRegions',
            'Format': 'XML',
            'SignatureMethod': 'HMAC-SHA1',
            'SignatureNonce': '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
            'SignatureVersion': '1.0',
            'Timestamp': '2016-02-23T12:46:24Z',
            'Version': '2014-05-26',
            }
        self.assertEqual(aliyun_signature('GET', params, 'testsecret'),
            'OLeaidS1JvxuMvnyHOwuJ+uX5qY=')
        self.assertEqual(
            aliyun_signature('GET', {'query': 'test', 'body': 'test'},
                'secret'),
            'XlUyV4sXjOuX5FnjUz9IF9tm5rU=')

    def test_tc3_signature_example(self):
        "Tencent Cloud's TC3-HMAC-SHA256 example (CVM DescribeInstances)"
        payload = ('{"Limit": 1, "Filters": [{"Values": '
            '["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}')
        self.assertEqual(
            tc3_authorization(
                'AKID**********************0123456789EXAMPLE',
                'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE', 'cvm',
                'cvm.tencentcloudapi.com', payload, 1551113065),
            'TC3-HMAC-SHA256 Credential='
            'AKID**********************0123456789EXAMPLE/2019-02-25/cvm/'
            'tc3_request, SignedHeaders=content-type;host, Signature='
            '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168')

    def test_placeholders(self):
        self.assertEqual(placeholders("${name}您好，余额${balance}，${name}"),
            ['name', 'balance'])
        self.assertEqual(placeholders("满$$100减${amount}"), ['amount'])

    def test_unsubscribe_words(self):
        for text in ['退订', 'T', 'td', ' TD ', 'R', '退订。', 'n']:
            self.assertTrue(is_unsubscribe(text), text)
        for text in ['谢谢', 'OK', '不要退订我', '']:
            self.assertFalse(is_unsubscribe(text), text)
