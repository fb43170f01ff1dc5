#!/usr/bin/env python3
"""Independent check of the golden expected files (see README.md).

A small reference implementation of the query semantics, written from the
documentation (src/query/spec.h, result.h, ddsketch.h) and not from the C++
code: it recomputes every <query>.expected.json from events.ndjson and the
query, and compares. Quantiles are the representative value of the DDSketch
bucket (relative accuracy 0.005) that holds the element at floor(q * (n - 1)),
clamped to [min, max]; each is also checked to be within 0.5% of that exact
element. Python standard library only.

Usage: tests/golden/verify_expected.py [cases-dir]    (exit status 0 = all match)
"""
import json
import math
import os
import re
import sys
from datetime import datetime, timezone

BASE_MS = 1767225600000                      # tests/testing/events.h kBaseMs
NOW_US = (BASE_MS + 3600 * 1000) * 1000      # golden_test.cc kGoldenNowUs
ACCURACY = 0.005
GAMMA = (1 + ACCURACY) / (1 - ACCURACY)
MIN_INDEXABLE = 1e-8
STR_LABELS = ['session_id', 'parent_session_id', 'message_id', 'span_id', 'parent_span_id', 'agent', 'model',
              'provider', 'tool', 'error_class', 'source']
TOKEN_FIELDS = ['input', 'output', 'reasoning', 'cache_read', 'cache_write']
TOP_INT_FIELDS = ['rss_bytes', 'io_read_bytes', 'io_write_bytes']
FLOAT_FIELDS = ['cost', 'ttfc_ms', 'cpu_s']
UNITS = {'us': 1, 'ms': 1000, 's': 10**6, 'm': 60 * 10**6, 'h': 3600 * 10**6, 'd': 86400 * 10**6,
         'w': 7 * 86400 * 10**6}


def duration_us(s):
    if re.fullmatch(r'\d+', s):
        return int(s) * 1000
    parts = re.findall(r'(\d+(?:\.\d+)?)([a-z]+)', s)
    assert ''.join(n + u for n, u in parts) == s, 'bad duration ' + s
    return sum(int(float(n) * UNITS[u]) for n, u in parts)


def time_us(v):
    if isinstance(v, (int, float)):
        return round(v * 1000)
    if v == 'now':
        return NOW_US
    if v.startswith('now-'):
        return NOW_US - duration_us(v[4:])
    if v.startswith('now+'):
        return NOW_US + duration_us(v[4:])
    if v.startswith('-'):
        return NOW_US - duration_us(v[1:])
    if re.fullmatch(r'\d+', v):
        return int(v) * 1000
    d = datetime.fromisoformat(v.replace('Z', '+00:00'))
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    delta = d - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 10**6 + delta.microseconds


def load_events(path):
    events = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            start = round(e['start_ms'] * 1000)
            if 'end_ms' in e:
                end = round(e['end_ms'] * 1000)
            else:
                end = start + round(e.get('duration_ms', 0) * 1000)
            labels = {'kind': e['kind'], 'status': e.get('status', 'ok')}
            for l in STR_LABELS:
                labels[l] = e.get(l, '')
            fields = {'duration_ms': (end - start) / 1000.0}
            toks = e.get('tokens', {})
            for t in TOKEN_FIELDS:
                fields['tokens.' + t] = toks.get(t)
            for k in TOP_INT_FIELDS + FLOAT_FIELDS:
                fields[k] = e.get(k)
            events.append({'start': start, 'labels': labels, 'fields': fields})
    return events


def fmt_pct(q):
    s = '%.6f' % (q * 100)
    return s.rstrip('0').rstrip('.')


def parse_agg(text):
    text = text.strip()
    if text == 'count':
        return ('count', None, None, 'count')
    if text in ('errors', 'error_rate'):
        return (text, None, None, text)
    m = re.fullmatch(r'(\w[\w.]*)\((.*)\)', text)
    fn, arg = m.group(1), m.group(2).strip()
    if fn == 'quantile':
        qs, field = [x.strip() for x in arg.split(',')]
        q = float(qs)
        return ('quantile', field, q, 'p%s(%s)' % (fmt_pct(q), field))
    if re.fullmatch(r'p\d+(\.\d+)?', fn):
        q = float(fn[1:]) / 100
        return ('quantile', arg, q, 'p%s(%s)' % (fmt_pct(q), arg))
    assert fn in ('count', 'sum', 'avg', 'min', 'max'), fn
    return (fn, arg, None, '%s(%s)' % (fn, arg))


OPS = {'=': 'eq', '==': 'eq', 'eq': 'eq', '!=': 'ne', 'ne': 'ne', '=~': 're', 're': 're', '!~': 'nre', 'nre': 'nre',
       'in': 'in', 'not_in': 'nin', 'nin': 'nin'}


def matches(flt, value):
    op = OPS[flt.get('op', '=')]
    if op == 'eq':
        return value == flt['value']
    if op == 'ne':
        return value != flt['value']
    if op == 're':
        return re.fullmatch(flt['value'], value) is not None
    if op == 'nre':
        return re.fullmatch(flt['value'], value) is None
    if op == 'in':
        return value in flt['values']
    return value not in flt['values']


def sketch_value(x):
    """Representative of the DDSketch bucket holding x."""
    if x < MIN_INDEXABLE:
        return 0.0
    t = math.log(x) / math.log(GAMMA)
    if abs(t - round(t)) < 1e-9 and t != round(t):
        print('  warning: %r lies on a bucket boundary; its bucket is ambiguous' % x)
    i = math.ceil(t)
    return 2 * GAMMA ** i / (GAMMA + 1)


def quantile(values, q):
    vs = sorted(values)
    if q <= 0:
        return vs[0]
    if q >= 1:
        return vs[-1]
    exact = vs[int(math.floor(q * (len(vs) - 1)))]
    got = min(max(sketch_value(exact), vs[0]), vs[-1])
    if exact < MIN_INDEXABLE:
        assert got < MIN_INDEXABLE
    else:
        assert abs(got - exact) <= exact * ACCURACY * (1 + 1e-9), (got, exact)
    return got


def run_query(events, q):
    frm = time_us(q['from']) if 'from' in q else None
    to = time_us(q['to']) if 'to' in q else None
    step = q.get('step')
    step_us = 0 if step is None else (duration_us(step) if isinstance(step, str) else int(step * 1000))
    group_by = q.get('group_by', [])
    aggs = [parse_agg(a) for a in q.get('aggregates', [])] or [parse_agg('count')]
    cells = {}
    for e in events:
        if frm is not None and e['start'] < frm:
            continue
        if to is not None and e['start'] >= to:
            continue
        if not all(matches(f, e['labels'][f['label']]) for f in q.get('filters', [])):
            continue
        key = (tuple(e['labels'][g] for g in group_by), e['start'] // step_us if step_us else 0)
        cells.setdefault(key, []).append(e)
    series = {}
    for (labels, bucket), rows in cells.items():
        t = bucket * step_us if step_us else (frm if frm is not None else min(r['start'] for r in rows))
        point = [('t', t / 1000.0)]
        for op, field, qv, name in aggs:
            vals = [r['fields'][field] for r in rows if field and r['fields'][field] is not None]
            if op == 'errors':
                v = sum(1 for r in rows if r['labels']['status'] == 'error')
            elif op == 'error_rate':
                v = sum(1 for r in rows if r['labels']['status'] == 'error') / len(rows) if rows else None
            elif op == 'count':
                v = len(rows) if field is None else len(vals)
            elif op == 'sum':
                v = float(sum(vals))
            elif op == 'avg':
                v = sum(vals) / len(vals) if vals else None
            elif op == 'min':
                v = min(vals) if vals else None
            elif op == 'max':
                v = max(vals) if vals else None
            else:
                v = quantile(vals, qv) if vals else None
            point.append((name, v))
        series.setdefault(labels, []).append((bucket, point))
    out = {'aggregates': [a[3] for a in aggs], 'step_ms': step_us / 1000.0 if step_us else None, 'series': []}
    order = sorted(series)
    if q.get('order_by') is not None:
        # "<aggregate> [asc|desc]" (default desc), only without step; nulls
        # last in both directions, ties by label values ascending; keep the
        # first `limit` series.
        assert not step_us, 'order_by with step'
        words = q['order_by'].strip().split(' ')
        desc = True
        if len(words) > 1 and words[-1].lower() in ('asc', 'desc'):
            desc = words[-1].lower() == 'desc'
            words = words[:-1]
        name = parse_agg(' '.join(words))[3]
        idx = [a[3] for a in aggs].index(name) + 1  # point[0] is t

        def value(labels):
            return dict([series[labels][0][1][idx]])[name]
        present = [l for l in order if value(l) is not None]
        absent = [l for l in order if value(l) is None]
        # Stable sorts: by label first (already), then by value.
        present.sort(key=value, reverse=desc)
        order = (present + absent)[:q.get('limit', 10000)]
    for labels in order:
        pts = [p for _, p in sorted(series[labels], key=lambda bp: bp[0])]
        out['series'].append({'labels': list(zip(group_by, labels)), 'points': pts})
    return out


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return a == b or abs(a - b) <= abs(b) * 1e-9


def compare(want, got):
    """want: reference result; got: the expected file (ordered pairs)."""
    g = dict(got)
    errors = []
    if want['aggregates'] != g['aggregates']:
        errors.append('aggregates %r != %r' % (want['aggregates'], g['aggregates']))
    if [k for k, _ in got] != ['aggregates', 'step_ms', 'series']:
        errors.append('top-level keys %r' % [k for k, _ in got])
    if not close(want['step_ms'], g['step_ms']):
        errors.append('step_ms %r != %r' % (want['step_ms'], g['step_ms']))
    if len(want['series']) != len(g['series']):
        errors.append('%d series, file has %d' % (len(want['series']), len(g['series'])))
        return errors
    for i, (ws, gs) in enumerate(zip(want['series'], g['series'])):
        gs = dict(gs)
        if [tuple(p) for p in ws['labels']] != [tuple(p) for p in gs['labels']]:
            errors.append('series %d labels %r != %r' % (i, ws['labels'], gs['labels']))
        if len(ws['points']) != len(gs['points']):
            errors.append('series %d: %d points, file has %d' % (i, len(ws['points']), len(gs['points'])))
            continue
        for j, (wp, gp) in enumerate(zip(ws['points'], gs['points'])):
            if [k for k, _ in wp] != [k for k, _ in gp]:
                errors.append('series %d point %d keys %r != %r' % (i, j, [k for k, _ in wp], [k for k, _ in gp]))
                continue
            for (k, wv), (_, gv) in zip(wp, gp):
                if not close(wv, gv):
                    errors.append('series %d point %d %s: reference %r, file %r' % (i, j, k, wv, gv))
    return errors


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cases')
    failures = checked = 0
    for case in sorted(os.listdir(root)):
        d = os.path.join(root, case)
        if not os.path.isdir(d):
            continue
        events = load_events(os.path.join(d, 'events.ndjson'))
        for name in sorted(os.listdir(d)):
            if not name.endswith('.query.json'):
                continue
            qn = name[:-len('.query.json')]
            with open(os.path.join(d, name)) as f:
                q = json.load(f)
            exp_path = os.path.join(d, qn + '.expected.json')
            if not os.path.exists(exp_path):
                print('MISSING %s/%s' % (case, qn))
                failures += 1
                continue
            with open(exp_path) as f:
                expected = json.load(f, object_pairs_hook=lambda pairs: pairs)
            errors = compare(run_query(events, q), expected)
            checked += 1
            if errors:
                failures += 1
                print('MISMATCH %s/%s' % (case, qn))
                for e in errors:
                    print('  ' + e)
            else:
                print('ok %s/%s' % (case, qn))
    print('%d expected files checked, %d failures' % (checked, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
