# This file is part of the CRM suite.
"""Chinese text cut into words for the knowledge base's full-text search:
PostgreSQL's `simple` configuration and SQLite's FTS5 split on spaces, so
the text is stored and queried as jieba's words joined by spaces."""
import logging
import re

import jieba

# jieba reports the loading of its dictionary on stderr at each start
jieba.setLogLevel(logging.WARNING)

# A word holds a letter or a digit: punctuation and spaces are dropped
WORD = re.compile(r'\w')
# Words of a question that say nothing of its subject: a customer's
# "请问积分怎么兑换？" is searched for 积分 and 兑换
STOP_WORDS = {
    '的', '了', '吗', '呢', '啊', '吧', '呀', '么', '嘛', '哦',
    '是', '在', '有', '和', '与', '及', '或', '就', '都', '也', '还',
    '我', '你', '您', '他', '她', '它', '我们', '你们', '我的', '你们的',
    '请问', '请', '问', '想', '想问', '要', '能', '能不能', '可以', '可不可以',
    '怎么', '怎样', '怎么样', '如何', '什么', '为什么', '哪', '哪里', '哪儿',
    '哪些', '多少', '几', '吗？', '一下', '一个', '这个', '那个', '这', '那',
    '是否', '有没有', '是不是',
    }


def words(text):
    "The words of text as a search engine cuts them, in lower case"
    return [w.lower() for w in jieba.cut_for_search(text or '')
        if WORD.search(w)]


def search_text(*texts):
    "The words of the texts joined by spaces, as they are indexed"
    return ' '.join(w for text in texts for w in words(text))


def query_words(text):
    "The distinct words of a query that carry its subject, in their order"
    result = []
    for word in words(text):
        if word not in STOP_WORDS and word not in result:
            result.append(word)
    return result
