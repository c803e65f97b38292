"""The nightly run of the SFA plans over the customers enrolled.

    .venv/bin/python bench/sfa_plans.py [--rows 1000000] [--sample 2000]
        [--keep]

PostgreSQL only, on a database of crm_sfa and its dependencies. Generates
the customers with set-based inserts (a mobile and consent each, owned by
one salesperson) and enrols every one of them in the template plan
新会员关怀 (day 1 thanks SMS, day 7 return visit, day 30 offer SMS), their
start days spread over the last 30 days: a tenth of them has a step due
today (two thirds SMS, one third tasks). The executions of the six days
before are there too, as after earlier nights. Then times, in one
transaction as the cron runs it, `crm.sfa.plan.run_nightly()`: the due
steps selected and logged in SQL, the messages queued to the log-only
gateway, the tasks created, the enrolments past their last step done.

The baseline is the plain ORM loop, in the same process and rolled back:
each running enrolment of a sample read, its steps' days computed in
Python, an execution looked up, then `Message.send` or `Task.create` one
at a time; its time is extrapolated to all the enrolments. Goal: ≤ 5 min
for 1M enrolments with 100k steps due.
"""
import argparse
import datetime as dt
import time

import common
import search_customers


def prepare(db):
    """A company and its salesperson owning every customer, a log
    gateway, the enrolments and the earlier nights' executions; return
    (plan id, enrolments, steps due today)"""
    with common.transaction(db) as (pool, transaction):
        Currency = pool.get('currency.currency')
        Company = pool.get('company.company')
        Party = pool.get('party.party')
        Employee = pool.get('company.employee')
        Gateway = pool.get('sms.gateway')
        ModelData = pool.get('ir.model.data')
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Plan = pool.get('crm.sfa.plan')
        Log = pool.get('crm.sfa.plan.log')
        Date = pool.get('ir.date')
        cursor = transaction.connection.cursor()
        # A kept database (--keep) is run again from its customers
        for table in ['crm_sfa_plan_log', 'crm_sfa_task', 'sms_message',
                'crm_sfa_plan_enrolment']:
            cursor.execute(f'DELETE FROM "{table}"')
        employees = Employee.search([])
        if not employees:
            cny, = Currency.create([{'name': "人民币", 'code': 'CNY',
                        'symbol': '¥'}])
            company, = Company.create([{
                        'party': Party.create([{'name': "示例门店"}])[0].id,
                        'currency': cny.id}])
            employees = Employee.create([{'company': company.id,
                        'party': Party.create([{'name': "张三"}])[0].id}])
            Gateway.create([{'name': "log", 'kind': 'log'}])
        employee, = employees
        plan = Plan(ModelData.get_id('crm_sfa', 'plan_new_member'))
        today = Date.today()
        cursor.execute("UPDATE party_party SET sms_consent = TRUE, "
            "sms_consent_date = CURRENT_DATE, owner = %s "
            "WHERE code LIKE 'B%%'", (employee.id,))
        enrolment = Enrolment.__table__()
        # Start day today - (id % 30): a thirtieth starts each day
        cursor.execute(
            f'INSERT INTO "{enrolment._name}" (plan, party, start_date, '
            'enabled_date, send_from, run, state, create_uid, create_date) '
            "SELECT %s, id, %s::date - (id %% 30), %s::date - (id %% 30), "
            "%s::date - (id %% 30), 1, 'running', 0, NOW() "
            "FROM party_party WHERE code LIKE 'B%%'",
            (plan.id, today, today, today))
        enrolled = cursor.rowcount
        log = Log.__table__()
        due = 0
        for step in plan.steps:
            offset = step.day - 1
            # The earlier nights' executions, as their runs left them
            cursor.execute(
                f'INSERT INTO "{log._name}" (enrolment, party, step, run, '
                'occurrence, batch, create_uid, create_date) '
                "SELECT e.id, e.party, %s, 1, e.start_date + %s::int, "
                "'earlier', 0, NOW() FROM \"" + enrolment._name + "\" e "
                "WHERE e.plan = %s AND e.start_date + %s::int "
                "BETWEEN %s::date - 6 AND %s::date - 1",
                (step.id, offset, plan.id, offset, today, today))
            cursor.execute(
                f'SELECT COUNT(*) FROM "{enrolment._name}" '
                'WHERE plan = %s AND start_date = %s',
                (plan.id, today - dt.timedelta(days=offset)))
            due += cursor.fetchone()[0]
        result = plan.id, enrolled, due
    import psycopg
    with psycopg.connect(db.uri.rsplit('/', 1)[0] + '/' + db.name,
            autocommit=True) as conn:
        conn.execute('VACUUM ANALYZE')
    return result


def created(cursor):
    cursor.execute('SELECT (SELECT COUNT(*) FROM sms_message), '
        '(SELECT COUNT(*) FROM crm_sfa_task), '
        "(SELECT COUNT(*) FROM crm_sfa_plan_enrolment WHERE state = 'done')")
    return cursor.fetchone()


def nightly(db):
    "(seconds, messages, tasks, enrolments done) of the nightly run"
    with common.transaction(db) as (pool, transaction):
        Plan = pool.get('crm.sfa.plan')
        cursor = transaction.connection.cursor()
        started = time.perf_counter()
        Plan.run_nightly()
        elapsed = time.perf_counter() - started
        return (elapsed, *created(cursor))


def baseline(db, plan_id, sample):
    """(seconds, steps sent) of the ORM loop over sample enrolments, rolled
    back"""
    from proteus import config as pconfig
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pconfig.set_trytond(db.name, config_file=db.config_files)
    with Transaction().start(db.name, 0) as transaction:
        pool = Pool(db.name)
        Enrolment = pool.get('crm.sfa.plan.enrolment')
        Log = pool.get('crm.sfa.plan.log')
        Message = pool.get('sms.message')
        Task = pool.get('crm.sfa.task')
        Date = pool.get('ir.date')
        today = Date.today()
        sent = 0
        started = time.perf_counter()
        enrolments = Enrolment.search([
                ('plan', '=', plan_id), ('state', '=', 'running'),
                ], order=[('id', 'ASC')], limit=sample)
        for enrolment in enrolments:
            for step in enrolment.plan.steps:
                day = enrolment.start_date + dt.timedelta(days=step.day - 1)
                if day != today or day < enrolment.send_from:
                    continue
                if Log.search([('enrolment', '=', enrolment.id),
                            ('step', '=', step.id),
                            ('run', '=', enrolment.run),
                            ('occurrence', '=', day)]):
                    continue
                if step.action == 'sms':
                    Message.send(enrolment.party, step.template,
                        occasion='baseline:%s:%s' % (step.id, day))
                elif enrolment.party.owner:
                    Task.create([{'name': step.subject,
                                'assignee': enrolment.party.owner.id,
                                'party': enrolment.party.id,
                                'due_date': day}])
                sent += 1
        elapsed = time.perf_counter() - started
        transaction.rollback()
    return elapsed, sent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, default=1000000,
        help="customers, each enrolled")
    parser.add_argument('--sample', type=int, default=2000,
        help="enrolments the baseline loops over")
    parser.add_argument('--keep', action='store_true',
        help="keep the database; run again on a kept one's customers "
        "(--rows is then ignored)")
    args = parser.parse_args()
    db = common.crm_admin.Database(f'{common.POSTGRESQL}/bench_sfa_plans',
        listen=f'127.0.0.1:{common.free_port()}')
    if not (args.keep and db.exists()):
        db = common.database('postgresql', 'bench_sfa_plans', ['crm_sfa'])
        print(f"generating {args.rows} customers…", flush=True)
        search_customers.generate(db, args.rows)
    try:
        plan, enrolled, due = prepare(db)
        print(f"{enrolled} enrolments, {due} steps due today", flush=True)
        base, sent = baseline(db, plan, args.sample)
        print(f"baseline, ORM loop: {args.sample} enrolments "
            f"({sent} steps due) in {base:.1f} s; extrapolated to "
            f"{enrolled}: {base * enrolled / args.sample:.0f} s",
            flush=True)
        elapsed, messages, tasks, done = nightly(db)
        print(f"nightly run: {elapsed:.1f} s for {due} steps due "
            f"({messages} messages queued, {tasks} tasks created, "
            f"{done} enrolments done), {due / elapsed:,.0f} steps/s")
    finally:
        if not args.keep:
            db.drop()


if __name__ == '__main__':
    main()
