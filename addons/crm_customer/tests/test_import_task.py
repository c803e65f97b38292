# This file is part of the CRM suite.
from unittest.mock import patch

from trytond import backend
from trytond.modules.crm_customer import customer_excel
from trytond.modules.crm_customer.tests.test_excel import chinese, xlsx
from trytond.modules.crm_customer.tests.tools import ModuleDatabaseTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

HEADER = ["客户名称", "手机"]


def workbook(count, first=0):
    return xlsx([HEADER] + rows(count, first))


def rows(count, first=0):
    return [["客户%d" % i, "1390000%04d" % i]
        for i in range(first, first + count)]


def names(count, first=0):
    "The domain of the customers of rows(count, first)"
    return [('name', 'in', [r[0] for r in rows(count, first)])]


class CustomerImportTaskTestCase(ModuleDatabaseTestCase):
    """Test the import of large workbooks in the background.

    The tasks are committed, as the queue finds them: this class has a
    database of its own."""

    def background(self, data):
        "Run the import wizard on a workbook above the threshold"
        pool = Pool()
        Configuration = pool.get('crm.configuration')
        Import = pool.get('party.party.import', type='wizard')
        Configuration.write([Configuration(1)], {
                'import_background_rows': 5})
        session_id, _, _ = Import.create()
        import_ = Import(session_id)
        import_.start.file = data
        import_.start.filename = '客户.xlsx'
        self.assertEqual(import_.transition_check(), 'background')
        action, values = import_.do_background(
            {'views': [(1, 'tree'), (2, 'form')]})
        self.assertEqual(action['views'][0], (2, 'form'))
        task = import_.start.task
        self.assertEqual(values, {'res_id': [task.id]})
        return task

    @with_transaction()
    def test_small_file_stays_in_the_wizard(self):
        "A workbook under the threshold is checked at once"
        pool = Pool()
        Import = pool.get('party.party.import', type='wizard')
        Task = pool.get('party.party.import.task')
        with chinese():
            tasks = Task.search([])
            session_id, _, _ = Import.create()
            import_ = Import(session_id)
            import_.start.file = workbook(3, 300)
            self.assertEqual(import_.transition_check(), 'result')
            self.assertEqual(import_.result.to_create, 3)
            self.assertEqual(Task.search([]), tasks)

    @with_transaction()
    def test_check_then_import(self):
        "A large workbook is checked, then imported by the queue"
        pool = Pool()
        Task = pool.get('party.party.import.task')
        Party = pool.get('party.party')
        Notification = pool.get('res.notification')
        transaction = Transaction()
        with chinese():
            task = self.background(workbook(8))
            self.assertEqual((task.state, task.rows), ('checking', 8))
            transaction.commit()
        # The queue runs without the user's context: the Chinese headers
        # are read in the language the task was sent in
        self.run_queue()
        task = Task(task.id)
        self.assertEqual(task.state, 'checked')
        self.assertEqual((task.to_create, task.to_update), (8, 0))
        self.assertEqual(task.progress, 1)
        self.assertFalse(task.errors)
        self.assertFalse(Party.search(names(8)))
        of_task = [('records', '=', '[%d]' % task.id)]
        notification, = Notification.search(of_task)
        self.assertIn('客户.xlsx', notification.label)
        self.assertIn('已检查', notification.label)

        with chinese():
            Task.import_([task])
        task = Task(task.id)
        self.assertEqual((task.state, task.progress), ('importing', 0))
        transaction.commit()
        self.run_queue()
        task = Task(task.id)
        self.assertEqual(task.state, 'done')
        self.assertEqual(task.progress, 1)
        self.assertTrue(task.finished)
        self.assertEqual(Party.search(names(8), count=True), 8)
        self.assertEqual(Notification.search(of_task, count=True), 2)

    def run_queue(self):
        "Run the tasks of the queue, as trytond-worker does"
        Queue = Pool().get('ir.queue')
        for queue in Queue.search([('finished_at', '=', None)]):
            queue.run()

    @with_transaction()
    def test_import_is_all_or_nothing(self):
        "A row refused at import time leaves no customer of the file"
        pool = Pool()
        Task = pool.get('party.party.import.task')
        Party = pool.get('party.party')
        transaction = Transaction()
        with chinese():
            regular, = Party.create([{'name': "老客户"}])
            task = self.background(xlsx([["客户编号"] + HEADER]
                    + [[None, *r] for r in rows(6, 100)]
                    + [[regular.code, "老客户", None]]))
            transaction.commit()
            Task.run_check([task])
            self.assertEqual(Task(task.id).to_update, 1)
            Task.import_([Task(task.id)])
            # Between the check and the import, the customer is renumbered
            code = regular.code
            Party.write([regular], {'code': 'LKH1'})
            transaction.commit()

            Task.run_import([Task(task.id)])
            task = Task(task.id)
            self.assertEqual(task.state, 'failed')
            self.assertIn(code, task.errors)
            self.assertEqual(Party.search(names(6, 100)), [])

    @with_transaction()
    def test_bad_file_fails_the_task(self):
        "A workbook without the required column fails with the reason"
        pool = Pool()
        Task = pool.get('party.party.import.task')
        with chinese():
            task = Task(file=xlsx([["手机"], ["13900000001"]]), rows=1)
            task.save()
            Transaction().commit()
            Task.run_check([task], 'zh_CN')
            task = Task(task.id)
            self.assertEqual(task.state, 'failed')
            self.assertIn("客户名称", task.errors)

    @with_transaction()
    def test_progress_seen_while_running(self):
        "Other users see the progress before the task's transaction ends"
        pool = Pool()
        Task = pool.get('party.party.import.task')
        transaction = Transaction()
        seen = []
        reporter = Task._reporter

        def watched(task):
            report = reporter(task)

            def watch(stage, rows):
                report(stage, rows)
                with transaction.new_transaction():
                    other, = Task.read([task.id], ['progress'])
                    seen.append(other['progress'])
            return watch

        with chinese():
            task = self.background(workbook(20, 200))
            transaction.commit()
            with patch.object(customer_excel, 'REPORT_ROWS', 2), \
                    patch.object(Task, '_reporter', watched):
                Task.run_check([task])
        self.assertEqual(Task(task.id).progress, 1)
        self.assertGreater(len(seen), 5)
        if backend.name == 'sqlite':
            # One writer at a time: the progress shows when the task ends
            self.assertEqual(set(seen), {0})
        else:
            self.assertEqual(seen, sorted(seen))
            self.assertTrue(any(0 < p < 1 for p in seen), seen)


del ModuleDatabaseTestCase
