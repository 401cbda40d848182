import { ConfigMap, Service } from 'kubernetes-models/v1'
import { Deployment } from 'kubernetes-models/apps/v1'
import { stringify } from 'yaml'
import type { Inventory, Station } from '../../inventory/model.js'
import type { CloudConfig } from '../config.js'
import { SYSTEM_NAMESPACE, baseLabels, plain, type K8sObject } from './types.js'

export const BLACKBOX_NAME = 'blackbox-exporter'
export const BLACKBOX_PORT = 9115
export const SCRAPE_CONFIGMAP = 'prometheus-station-scrape'
export const RULES_CONFIGMAP = 'prometheus-station-rules'
export const INHIBIT_CONFIGMAP = 'alertmanager-station-inhibit'

/** The probes every active station gets: one scrape job per blackbox module. */
export const PROBE_JOBS = [
  { job: 'lastmile-station-icmp', module: 'icmp' },
  { job: 'lastmile-station-ssh', module: 'ssh_banner' },
] as const

const yaml = (v: unknown): string => stringify(v, { lineWidth: 0 })

/** Blackbox modules: ping, and the SSH banner (proves sshd answers, not just the kernel). */
export function blackboxConfig(): string {
  return yaml({
    modules: {
      icmp: { prober: 'icmp', timeout: '5s', icmp: { preferred_ip_protocol: 'ip4' } },
      ssh_banner: { prober: 'tcp', timeout: '5s', tcp: { preferred_ip_protocol: 'ip4', query_response: [{ expect: '^SSH-2.0-' }] } },
    },
  })
}

interface StaticConfig {
  targets: string[]
  labels: Record<string, string>
}

/** Probe targets by town (file order), one static config per station so alerts carry its id and name. */
function targets(stations: readonly Station[], module: 'icmp' | 'ssh_banner'): StaticConfig[] {
  return stations.map((s) => ({
    targets: [module === 'icmp' ? s.management.address : `${s.management.address}:${s.ssh.port}`],
    labels: { town: s.town.slug, town_code: s.town.code, town_name: s.town.name, station: s.id, station_name: s.name },
  }))
}

/** Prometheus `scrape_config_files` content: every active station, once per module. */
export function scrapeConfig(inv: Pick<Inventory, 'stations'>, config: CloudConfig): string {
  const active = inv.stations.filter((s) => s.hasStation)
  return yaml({
    scrape_configs: PROBE_JOBS.map(({ job, module }) => ({
      job_name: job,
      metrics_path: '/probe',
      scrape_interval: config.monitoring.scrapeInterval,
      params: { module: [module] },
      static_configs: targets(active, module),
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__param_target'], target_label: 'instance' },
        { target_label: '__address__', replacement: `${BLACKBOX_NAME}.${SYSTEM_NAMESPACE}.svc:${BLACKBOX_PORT}` },
      ],
    })),
  })
}

const ICMP = `probe_success{job="${PROBE_JOBS[0].job}"}`
const SSH = `probe_success{job="${PROBE_JOBS[1].job}"}`

/** Alert rules. A town's uplink going down is one page, not one per station (see inhibitRules). */
export function alertRules(): string {
  return yaml({
    groups: [
      {
        name: 'lastmile-stations',
        rules: [
          {
            alert: 'StationDown',
            expr: `${ICMP} == 0`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: '{{ $labels.station_name }} ({{ $labels.station }}, {{ $labels.town_name }}) does not answer ping',
              description: 'No ICMP reply from {{ $labels.instance }} for 10 minutes. Check power and the WAN line; `lastmile health --station {{ $labels.station }}`.',
            },
          },
          {
            alert: 'StationSshDown',
            expr: `${SSH} == 0 and on (station) ${ICMP} == 1`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: '{{ $labels.station_name }} ({{ $labels.station }}) answers ping but not SSH',
              description: 'The station is up but its SSH banner is missing: rollouts and health checks cannot reach it.',
            },
          },
          {
            alert: 'TownUplinkDown',
            expr: `(count by (town, town_code, town_name) (${ICMP} == 0) / count by (town, town_code, town_name) (${ICMP})) > 0.5`,
            for: '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: 'More than half of the stations of {{ $labels.town_name }} are down',
              description: "Likely the town's uplink, not the stations: check the carrier line before visiting villages.",
            },
          },
        ],
      },
    ],
  })
}

/** Alertmanager inhibit rules: while a town's uplink is down, its per-station alerts stay quiet. */
export function inhibitRules(): string {
  return yaml({
    inhibit_rules: [
      { source_matchers: ['alertname="TownUplinkDown"'], target_matchers: ['alertname=~"StationDown|StationSshDown"'], equal: ['town_code'] },
      { source_matchers: ['alertname="StationDown"'], target_matchers: ['alertname="StationSshDown"'], equal: ['station'] },
    ],
  })
}

export function monitoringObjects(inv: Pick<Inventory, 'stations'>, config: CloudConfig): K8sObject[] {
  const namespace = SYSTEM_NAMESPACE
  const common = baseLabels('monitoring')
  const labels = { ...common, 'app.kubernetes.io/name': BLACKBOX_NAME }
  const selector = { 'app.kubernetes.io/name': BLACKBOX_NAME }
  return [
    plain(new ConfigMap({ metadata: { name: `${BLACKBOX_NAME}-config`, namespace, labels }, data: { 'blackbox.yml': blackboxConfig() } })),
    plain(
      new Deployment({
        metadata: { name: BLACKBOX_NAME, namespace, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'blackbox-exporter',
                  image: config.images.blackboxExporter,
                  args: ['--config.file=/etc/blackbox/blackbox.yml'],
                  ports: [{ name: 'http', containerPort: BLACKBOX_PORT }],
                  // ICMP probes need raw sockets.
                  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_RAW'] } },
                  readinessProbe: { httpGet: { path: '/-/healthy', port: 'http' } },
                  resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                  volumeMounts: [{ name: 'config', mountPath: '/etc/blackbox', readOnly: true }],
                },
              ],
              volumes: [{ name: 'config', configMap: { name: `${BLACKBOX_NAME}-config` } }],
            },
          },
        },
      }),
    ),
    plain(
      new Service({
        metadata: { name: BLACKBOX_NAME, namespace, labels },
        spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: BLACKBOX_PORT, targetPort: 'http' }] },
      }),
    ),
    plain(new ConfigMap({ metadata: { name: SCRAPE_CONFIGMAP, namespace, labels: common }, data: { 'stations.yml': scrapeConfig(inv, config) } })),
    plain(new ConfigMap({ metadata: { name: RULES_CONFIGMAP, namespace, labels: common }, data: { 'stations.rules.yml': alertRules() } })),
    plain(new ConfigMap({ metadata: { name: INHIBIT_CONFIGMAP, namespace, labels: common }, data: { 'inhibit_rules.yml': inhibitRules() } })),
  ]
}
