# This file is part of the CRM suite.
"""The satisfaction survey page the customer opens from the SMS: no login,
the signed token of the link is the only key, used once"""
import os

from genshi.template import MarkupTemplate

from trytond.protocols.wrappers import (
    HTTPStatus, Response, allow_null_origin, with_pool, with_transaction)
from trytond.wsgi import app

from .exceptions import ServiceError
from .survey import TEXT_LIMIT

with open(os.path.join(os.path.dirname(__file__), 'survey_page.html'),
        encoding='utf-8') as _file:
    PAGE = MarkupTemplate(_file.read())

# The status of the page when the link may not be used
REFUSALS = {
    'forged': HTTPStatus.FORBIDDEN,
    'missing': HTTPStatus.NOT_FOUND,
    'answered': HTTPStatus.GONE,
    'expired': HTTPStatus.GONE,
    }
HEADERS = {
    # The token is the key: not cached, not sent on as a referrer
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': (
        "default-src 'none'; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'"),
    }


def page(status, **values):
    values.setdefault('errors', {})
    values.setdefault('values', {})
    values['text_limit'] = TEXT_LIMIT
    html = PAGE.generate(**values).render('html', doctype='html5')
    return Response(html, status=status, headers=HEADERS,
        content_type='text/html; charset=utf-8')


@app.route('/<database_name>/crm_service/survey/<token>',
    methods={'GET', 'POST'})
# The page sends no referrer, so the browser posts its form with the Origin
# null; the signed token is what authorises the answer
@allow_null_origin
@with_pool
@with_transaction(context={'language': 'zh_CN'})
def survey(request, pool, token):
    Response_ = pool.get('crm.service.survey.response')
    # Werkzeug answers HEAD with GET's route; only a browser's two are used
    if request.method not in {'GET', 'POST'}:
        return page(HTTPStatus.METHOD_NOT_ALLOWED, page='method')
    response, refusal = Response_.from_token(token)
    if refusal:
        return page(REFUSALS[refusal], page=refusal)
    questions = [{
            'id': q.id,
            'text': q.text,
            'kind': q.kind,
            'options': q.option_list,
            'required': q.required,
            } for q in response.survey.questions]
    form = dict(survey=response.survey.name, questions=questions)
    if request.method == 'GET':
        return page(HTTPStatus.OK, page='form', **form)
    values = {}
    for question in questions:
        value = request.form.get('q%s' % question['id'])
        if value is not None:
            values[question['id']] = value
    try:
        errors = Response_.record_answers(response, values, 'web')
    except ServiceError:
        # Answered or expired since it was read
        refusal = Response_.from_token(token)[1] or 'answered'
        return page(REFUSALS[refusal], page=refusal)
    if errors:
        return page(HTTPStatus.BAD_REQUEST, page='form', values=values,
            errors={q.id: reason for q, reason in errors.items()}, **form)
    return page(HTTPStatus.OK, page='done')
