# Jinja2 filters for the benchmark's Ansible playbook. They mirror lastmile's
# renderer so both tools write byte-identical files:
#   uci       src/render/engine.ts uciFilter: single-quoted UCI value; refuses quotes and controls
#   lm_tidy   src/render/station.ts tidy: trailing blanks, blank-line runs, one final newline
#   lm_json   liquid's `json: 2` = JSON.stringify(value, null, 2): key order kept, UTF-8 unescaped
import json
import math
import re

from ansible.errors import AnsibleFilterError

_CONTROL = re.compile('[\u0000-\u001f\u007f-\u009f]')


def _describe_control(text):
    c = _CONTROL.search(text).group(0)
    if c == '\n':
        return 'a newline'
    if c == '\r':
        return 'a carriage return'
    if c == '\t':
        return 'a tab'
    return 'a control character (U+%04X)' % ord(c)


def _js_number(value):
    # JavaScript's String(number): integral floats print without ".0"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AnsibleFilterError('uci: expected a text or number, got a number')
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def uci(value):
    if isinstance(value, bool):
        text = '1' if value else '0'
    elif isinstance(value, str):
        text = str(value)
    elif isinstance(value, (int, float)):
        text = _js_number(value)
    else:
        if value is None:
            what = 'no value (null)'
        elif isinstance(value, (list, tuple)):
            what = 'a list (write one `list` line per item)'
        else:
            what = 'a %s' % type(value).__name__
        raise AnsibleFilterError('uci: expected a text or number, got %s' % what)
    if "'" in text:
        bad = "a single quote (')"
    elif _CONTROL.search(text):
        bad = _describe_control(text)
    else:
        bad = None
    if bad:
        raise AnsibleFilterError('uci: value %s contains %s, which cannot be written inside a single-quoted UCI value' % (json.dumps(text, ensure_ascii=False), bad))
    return "'%s'" % text


_TRAILING_BLANKS = re.compile(r'[ \t]+$', re.MULTILINE)
_BLANK_RUNS = re.compile(r'\n{3,}')


def lm_tidy(text):
    t = _TRAILING_BLANKS.sub('', str(text))
    t = _BLANK_RUNS.sub('\n\n', t)
    t = re.sub(r'^\n+', '', t)
    t = re.sub(r'\n+$', '', t)
    return t + '\n' if t else ''


def lm_json(value, indent=2):
    return json.dumps(value, indent=indent, ensure_ascii=False, separators=(',', ': '))


class FilterModule(object):
    def filters(self):
        return {'uci': uci, 'lm_tidy': lm_tidy, 'lm_json': lm_json}
