# This file is part of the CRM suite.
"""What the suite sends to Kingdee K3, whichever product a shop runs: the
bills in plain Python, and the interface both targets (K3 Cloud's WebAPI,
K3 WISE over ODBC) implement. The batch model turns a shop's day into
bills; a target turns bills into K3's documents."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# What a bill is
OUTSTOCK = 'outstock'   # 销售出库单: the day's sales and refunds
RECEIPT = 'receipt'     # 收款单: the money of those sales by settlement type
ADVANCE = 'advance'     # 预收款 收款单: stored-value top-ups


@dataclass
class Line:
    "One 销售出库 entry; a refund has a negative quantity and amount"
    material: str           # K3 material number
    quantity: Decimal
    unit: str               # K3 unit number
    price: Decimal          # unit price, tax included
    discount: Decimal       # discount amount of the line
    amount: Decimal         # amount of the line, tax included
    tax_rate: Decimal       # percent, 13 for 13 %
    warehouse: str          # K3 warehouse (stock) number


@dataclass
class Settlement:
    "One 收款 entry"
    settle_type: str        # K3 settlement type number
    amount: Decimal


@dataclass
class Bill:
    """One K3 document. `external` is the suite's unique number of it: it
    is written on the document so that it can be found again in K3 before
    sending it twice."""
    external: str
    kind: str               # OUTSTOCK, RECEIPT or ADVANCE
    date: dt.date
    organisation: str       # K3 organisation number
    customer: str           # K3 customer number
    salesman: str = None    # K3 salesman (employee) number
    warehouse: str = None   # the shop's default warehouse
    currency: str = 'PRE001'
    note: str = ''
    lines: list = field(default_factory=list)          # Line
    settlements: list = field(default_factory=list)    # Settlement

    @property
    def total(self):
        if self.kind == OUTSTOCK:
            return sum((l.amount for l in self.lines), Decimal(0))
        return sum((s.amount for s in self.settlements), Decimal(0))


class K3Error(Exception):
    "Base of what a target raises; the message is in Chinese"


class Refused(K3Error):
    """K3 answered and refused the document (a closed period, an unknown
    material, a bad login): sending it again as is fails again"""
    def __init__(self, message, answer=None):
        super().__init__(message)
        self.answer = answer


class Unreachable(K3Error):
    """No answer, or not one that says what happened (network error, time
    out, a server error): the document may or may not be in K3, look it up
    by its external number before sending again"""


@dataclass
class Acknowledged:
    "What K3 said of a document it took"
    number: str             # K3's own document number
    answer: str = ''        # K3's answer, as text, for the batch's record


class Target:
    """A K3 installation. Each method opens what it needs and may raise
    Refused or Unreachable."""

    def find(self, bill):
        "The Acknowledged of the bill if K3 has it (by its external number)"
        raise NotImplementedError

    def send(self, bill):
        "Create the bill in K3, audited; return Acknowledged"
        raise NotImplementedError

    def totals(self, organisation, date):
        """What K3 holds of the organisation's day, for the reconciliation:
        {('material', number): (quantity, amount),
         ('settle', settle_type): amount, ('advance', settle_type): amount}
        over the documents the suite sent (those with an external number)"""
        raise NotImplementedError
