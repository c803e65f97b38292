# This file is part of the CRM suite.
"The calendar (日程): conflicts of participants, the team's view"
import datetime as dt

from trytond.exceptions import UserWarning
from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import set_company
from trytond.modules.crm_customer.tests.tools import (
    ModuleDatabaseTestCase, as_user)
from trytond.modules.crm_sfa.exceptions import SfaAccessError
from trytond.modules.crm_sfa.tests.tools import (
    client_search, create_customer, create_team, undone)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

MONDAY = dt.datetime(2030, 3, 4, 1, 0)  # 09:00 in Shanghai


def hours(start, end):
    return MONDAY + dt.timedelta(hours=start), MONDAY + dt.timedelta(hours=end)


class CalendarTestCase(ModuleDatabaseTestCase):
    "Appointments"
    module = 'crm_sfa'

    def appointment(self, user, name, start, end, participants=(),
            **values):
        Appointment = Pool().get('crm.sfa.appointment')
        start, end = hours(start, end)
        with as_user(user):
            appointment, = Appointment.create([dict({
                            'name': name,
                            'kind': 'visit',
                            'start': start,
                            'end': end,
                            'organizer': user.employee.id,
                            'participants': [('add', [
                                        p.employee.id for p in participants])],
                            }, **values)])
        return appointment

    @with_transaction()
    def test_conflict_warned(self):
        """A participant's overlapping appointment is warned, naming the
        person and, when it is hidden from the user, only its time"""
        pool = Pool()
        Appointment = pool.get('crm.sfa.appointment')
        Warning = pool.get('res.user.warning')
        team = create_team()
        with set_company(team.company):
            customer = create_customer("华联超市", owner=team.zhang)
            # 张三's own visit, which 李四 may not see
            self.appointment(team.zhang, "拜访华联超市", 2, 4,
                party=customer.id)

            # 李四 invites 张三 at an overlapping time
            with self.assertRaises(UserWarning) as cm, undone():
                self.appointment(team.li, "周会", 3, 5, [team.zhang])
            message = cm.exception.message
            self.assertIn(team.zhang.employee.rec_name, message)
            self.assertNotIn("拜访华联超市", message)

            # Not overlapping: no warning (back to back is no conflict)
            meeting = self.appointment(team.li, "周会", 4, 5, [team.zhang])
            # Moving it into the visit warns again
            with self.assertRaises(UserWarning), undone():
                with as_user(team.li):
                    Appointment.write([meeting], {'start': hours(3, 0)[0]})
            # A cancelled appointment is no conflict, until planned again
            visit, = Appointment.search([('name', '=', "拜访华联超市")])
            with as_user(team.zhang):
                Appointment.cancel([visit])
            self.appointment(team.li, "周会", 3, 4, [team.zhang],
                organizer=team.li.employee.id)
            with self.assertRaises(UserWarning), undone():
                with as_user(team.zhang):
                    Appointment.plan([visit])

    @with_transaction()
    def test_conflict_accepted_and_visible(self):
        """Once accepted the warning lets the appointment be saved; the
        organizer's own conflict names the other appointment"""
        pool = Pool()
        Appointment = pool.get('crm.sfa.appointment')
        Warning = pool.get('res.user.warning')
        team = create_team()
        with set_company(team.company):
            self.appointment(team.li, "电话回访", 2, 3)
            with self.assertRaises(UserWarning) as cm, undone():
                self.appointment(team.li, "拜访", 2, 4)
            self.assertIn("电话回访", cm.exception.message)
            Warning.create([{'user': team.li.id, 'name': cm.exception.name}])
            appointment = self.appointment(team.li, "拜访", 2, 4)
            self.assertEqual(appointment.state, 'planned')
            self.assertEqual(Appointment.search_count([]), 2)
            # 我的约会 as the web client lists them: organized or invited
            invite = self.appointment(team.zhang, "周会", 6, 7, [team.li])
            self.assertEqual(len(client_search(
                        team.li, 'crm_sfa.act_appointment_mine')), 3)
            self.assertEqual(client_search(
                    team.zhang, 'crm_sfa.act_appointment_mine'), [invite])

    @with_transaction()
    def test_team_view_and_dates(self):
        """The manager sees the department's appointments, another
        department's salesperson does not; an end before the start is
        refused"""
        pool = Pool()
        Appointment = pool.get('crm.sfa.appointment')
        team = create_team()
        with set_company(team.company):
            visit = self.appointment(team.zhang, "拜访华联超市", 2, 4)
            with as_user(team.manager):
                self.assertEqual(Appointment.search([]), [visit])
            with as_user(team.zhao):
                self.assertEqual(Appointment.search([]), [])
            with as_user(team.li):
                self.assertEqual(Appointment.search([]), [])
            # 李四 is invited: he sees it now
            Appointment.write([visit], {
                    'participants': [('add', [team.li.employee.id])]})
            with as_user(team.li):
                self.assertEqual(Appointment.search([]), [visit])

            with self.assertRaises(ValidationError), undone():
                self.appointment(team.zhang, "倒着的", 4, 3)

            # One organizes one's own appointments, the manager the team's
            with self.assertRaises(SfaAccessError), undone():
                self.appointment(team.li, "替张三安排", 6, 7, [team.li],
                    organizer=team.zhang.employee.id)
            planned = self.appointment(team.manager, "陪访", 6, 7,
                organizer=team.zhang.employee.id)
            self.assertEqual(planned.organizer, team.zhang.employee)

