# This file is part of the CRM suite.
"The 80 mm slips of the till: the receipt of a sale, the handover of a shift"
import cn2an

from trytond.report import Report


def rmb_capitals(amount):
    "amount in Chinese financial capitals, as 壹佰贰拾叁元肆角"
    text = cn2an.an2cn('%.2f' % abs(amount), 'rmb')
    return ('负' + text) if amount < 0 else text


class Receipt(Report):
    __name__ = 'sale.point.sale.receipt'
    reprint = False

    @classmethod
    def format_currency(cls, value, lang, currency, symbol=True,
            grouping=True, digits=None):
        # Tryton's zh_CN puts the minus after the amount (¥0.08-); a
        # receipt shows it first, as -¥0.08
        text = super().format_currency(abs(value), lang, currency,
            symbol=symbol, grouping=grouping, digits=digits)
        return '-' + text if value < 0 else text

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['capitals'] = rmb_capitals
        context['reprint'] = cls.reprint
        context['local_time'] = lambda sale: cls.format_datetime(
            sale.create_date, format='%Y-%m-%d %H:%M',
            timezone=sale.company.timezone)
        # Long enough for every line, the paper is cut after the last
        context['page_height'] = lambda sale: 120 + 9 * (
            len(sale.lines) + len(sale.payments))
        return context


class ReceiptReprint(Receipt):
    __name__ = 'sale.point.sale.receipt.reprint'
    reprint = True


class Handover(Report):
    "The handover (交班) of a cashier's shift"
    __name__ = 'sale.point.cash.session.handover'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['local_time'] = lambda session, value: (
            cls.format_datetime(value, format='%Y-%m-%d %H:%M',
                timezone=session.point.company.timezone) if value else '')
        return context
