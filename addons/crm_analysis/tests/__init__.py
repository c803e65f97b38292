# This file is part of the CRM suite.
