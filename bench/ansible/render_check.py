#!/usr/bin/python3
"""Renders the benchmark's Jinja2 templates for every host_vars file with
Ansible's own templating (the template action's settings: trim_blocks off as
in site.yml, newline '\n', trailing newlines preserved), without SSH, into
OUT/<station id>/<station path>. tests/bench compares the result with
lastmile's renderer for every station of the district, so a translation
mistake shows up without running the benchmark.

usage: render_check.py HOST_VARS_DIR OUT_DIR
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault('ANSIBLE_CONFIG', os.path.join(HERE, 'ansible.cfg'))
os.environ['ANSIBLE_FILTER_PLUGINS'] = os.path.join(HERE, 'filter_plugins')

from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.template import AnsibleEnvironment, Templar  # noqa: E402

# site.yml's template tasks: template, station path, and whether the file needs WiFi
FILES = [
    ('network.j2', '/etc/config/network', False),
    ('wireless.j2', '/etc/config/wireless', True),
    ('firewall.j2', '/etc/config/firewall', False),
    ('dhcp.j2', '/etc/config/dhcp', False),
    ('authorized_keys.j2', '/etc/dropbear/authorized_keys', False),
    ('station.json.j2', '/etc/lastmile/station.json', False),
    ('wan-interface.j2', '/etc/lastmile/wan-interface', False),
    ('wan-link.j2', '/etc/lastmile/wan-link', False),
]


def main(host_vars_dir, out_dir):
    tdir = os.path.join(HERE, 'templates')
    loader = DataLoader()
    sources = {}
    for src, _, _ in FILES:
        with open(os.path.join(tdir, src), encoding='utf-8') as f:
            sources[src] = f.read()
    count = 0
    for name in sorted(os.listdir(host_vars_dir)):
        if not name.endswith('.json'):
            continue
        with open(os.path.join(host_vars_dir, name), encoding='utf-8') as f:
            hv = json.load(f)
        station = name[:-5]
        templar = Templar(loader=loader, variables=hv)
        t = templar.copy_with_new_env(environment_class=AnsibleEnvironment, searchpath=[tdir], newline_sequence='\n',
                                      trim_blocks=False, lstrip_blocks=False, available_variables=hv)
        for src, path, wifi in FILES:
            if wifi and hv['station']['wifi'] is None:
                continue
            text = t.do_template(sources[src], preserve_trailing_newlines=True, escape_backslashes=False)
            dest = os.path.join(out_dir, station, path.lstrip('/'))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, 'w', encoding='utf-8', newline='') as f:
                f.write(text)
            count += 1
    print(json.dumps({'files': count}))


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
