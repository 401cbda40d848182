import { z } from 'zod'

/*
 * The inventory schema. Every object is strict (unknown keys are errors: a typo
 * must not silently drop a setting), every identifier that may reach a shell or
 * a UCI file is constrained to characters that cannot break out of quoting.
 * Cross-field rules live in cross-checks.ts; this file is single-field shape.
 */

/** 12-digit NBS administrative code (统计用区划代码). The id of district, towns and stations. */
export const nbsCode = z.string().regex(/^\d{12}$/, 'a 12-digit NBS code, quoted (e.g. \'441802103001\')')
export const townCode = nbsCode.refine((c) => c.endsWith('000'), 'a town code ends in 000 (e.g. \'441802103000\')')

/** Lower-case ASCII label: safe in file names, UCI section names (after - → _) and shells. */
export const slug = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and -, starting with a letter')

/**
 * Human text (Chinese names, notes). No control characters, quotes, backslashes
 * or shell metacharacters: names end up in UCI files, SSIDs and HTML.
 */
export const humanText = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f'"`\\$;|&<>]*$/, 'text without quotes, backslashes, newlines or shell metacharacters ($ ; | & < > `)')

export const ipv4 = z.ipv4({ message: 'an IPv4 address like 10.21.3.1' })
export const cidr = z.cidrv4({ message: 'an IPv4 subnet like 10.21.3.0/25' })
export const isoDate = z.iso.date({ message: 'a date as YYYY-MM-DD' })

export const secretRef = z.strictObject({
  secret: z
    .string()
    .regex(/^[a-z0-9][a-z0-9/_.-]{0,127}$/, 'a secret name like wifi/441802103001/staff (lower-case, digits, / _ . -)'),
})

export const carrier = z.enum(['电信', '移动', '联通'])
export const stationKind = z.enum(['村委会', '居委会'])

export const deviceType = z.enum([
  'computer',
  'tv',
  'e-seal', // 电子公章
  'signature-pad', // 手写数字签名
  'fingerprint-reader', // 指纹识别
  'document-camera', // 高拍仪
  'handheld-scanner', // 手持式扫描仪
  'camera', // 摄像头
  'fax',
  'copier',
  'printer',
  'set-top-box',
])

const usbId = z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, 'a USB id vendor:product in lower-case hex, e.g. 0c45:6366')

export const device = z.strictObject({
  type: deviceType,
  model: humanText,
  count: z.int().min(1).max(50).default(1),
  /** USB vendor:product the health check should see on the gateway's USB bus. */
  usb: usbId.optional(),
})

export const vlanId = z.int().min(2).max(4094)
const vlan = z.strictObject({ vlan: vlanId, subnet: cidr })

export const lanPlan = z.strictObject({
  management: vlan,
  office: vlan,
  publicWifi: vlan.optional(),
  iptv: vlan,
})

export const wifiEncryptionStaff = z.enum(['psk2', 'sae-mixed', 'sae'])
export const wifiEncryptionPublic = z.enum(['none', 'owe'])

export const wifi = z.strictObject({
  radio2g: z.strictObject({ channel: z.int() }),
  radio5g: z.strictObject({ channel: z.int() }).optional(),
  staff: z.strictObject({ ssid: z.string().min(1), encryption: wifiEncryptionStaff, key: secretRef }),
  public: z.strictObject({ ssid: z.string().min(1), encryption: wifiEncryptionPublic }),
})

export const wanType = z.enum(['fibre', 'adsl', '4g'])

export const wan = z.strictObject({
  type: wanType,
  carrier,
  /** OpenWrt proto: fibre via the carrier ONT is dhcp or pppoe; ADSL is pppoe; 4G is qmi. */
  proto: z.enum(['dhcp', 'pppoe', 'qmi']),
  bandwidthMbps: z.number().positive().max(10_000),
  device: z.string().regex(/^[a-z][a-z0-9._-]{0,14}$/, 'a Linux interface name like wan or wwan0').optional(),
  pppoe: z.strictObject({ username: z.string().regex(/^[A-Za-z0-9@._-]{1,64}$/, 'letters, digits, @ . _ -'), password: secretRef }).optional(),
  apn: z.string().regex(/^[A-Za-z0-9.-]{1,63}$/).optional(),
})

export const fibreUpgrade = z.strictObject({
  status: z.enum(['planned', 'in-progress', 'done', 'not-needed']),
  carrier: carrier.optional(),
  planned: isoDate.optional(),
  started: isoDate.optional(),
  completed: isoDate.optional(),
})

/** SHA256 fingerprint as OpenSSH prints it: `SHA256:` + 43 base64 characters. */
export const hostKeyFingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'an OpenSSH fingerprint like SHA256:abc…(43 characters)')

export const sshSettings = z.strictObject({
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a Unix user name').default('root'),
  port: z.int().min(1).max(65535).default(22),
  hostKey: hostKeyFingerprint.optional(),
})

export const station = z.strictObject({
  id: nbsCode,
  name: humanText,
  short: humanText,
  kind: stationKind,
  /** false for a committee that has no service station yet (kept so the division list stays complete). */
  hasStation: z.boolean().default(true),
  note: humanText.optional(),
  canary: z.boolean().default(false),
  platform: z.enum(['openwrt']).default('openwrt'),
  management: z.strictObject({ address: ipv4 }),
  ssh: sshSettings.optional(),
  lan: lanPlan,
  devices: z.array(device).default([]),
  wifi: wifi.optional(),
  wan,
  wanBackup: z.strictObject({ type: z.literal('4g'), carrier, apn: z.string().regex(/^[A-Za-z0-9.-]{1,63}$/).optional() }).optional(),
  fibreUpgrade,
  ecommerce: z.boolean(),
  settopBoxHouseholds: z.int().min(0).max(5000),
  infoPoints: z.int().min(0).max(100),
  tunnel: z.strictObject({ privateKey: secretRef }),
})

export const townFile = z.strictObject({
  $schema: z.string().optional(),
  town: z.strictObject({
    code: townCode,
    name: humanText,
    officialName: humanText.optional(),
    slug,
    kind: z.enum(['街道', '镇']),
    pinyin: z.string().regex(/^[\p{L} ]+$/u).optional(),
    uplink: z.strictObject({ carrier, bandwidthMbps: z.number().positive() }),
  }),
  stations: z.array(station).min(1),
})

export const districtFile = z.strictObject({
  $schema: z.string().optional(),
  district: z.strictObject({
    code: nbsCode,
    name: humanText,
    pinyin: z.string().regex(/^[\p{L} ]+$/u).optional(),
    city: z.strictObject({ code: nbsCode, name: humanText }),
    hub: z.strictObject({
      endpoint: z.string().regex(/^[a-z0-9.-]+:\d{1,5}$/, 'host:port of the WireGuard hub'),
      publicKey: z.string().regex(/^[A-Za-z0-9+/]{42,43}=$/, 'a WireGuard public key (44 base64 characters)'),
      address: ipv4,
      tunnelSubnet: cidr,
    }),
    cloud: z.strictObject({
      subnet: cidr,
      portal: z.strictObject({ address: ipv4, url: z.url() }),
      monitoring: z.strictObject({ address: ipv4 }),
      dns: z.array(ipv4).min(1),
      ntp: z.array(ipv4).min(1),
    }),
    /** District-wide VLAN convention: each purpose has one VLAN id everywhere. */
    vlans: z.strictObject({ management: vlanId, office: vlanId, publicWifi: vlanId, iptv: vlanId }),
    defaults: z.strictObject({ ssh: sshSettings }),
    /**
     * Key of the config ids (HMAC). Without it a config id is a plain hash over
     * the rendered files, and a weak WiFi or PPPoE password could be guessed
     * offline from an id printed in a report or journal.
     */
    configIdKey: secretRef.optional(),
    rollout: z.strictObject({
      maxConcurrent: z.int().min(1).max(500).default(20),
      perTownConcurrent: z.int().min(1).max(100).default(4),
      preflightConcurrent: z.int().min(1).max(1000).default(200),
      confirmWithinSeconds: z.int().min(30).max(3600).default(120),
    }),
    /** What the programme promised; `inventory show` compares the totals with these. */
    programme: z.strictObject({
      year: z.int(),
      towns: z.int(),
      stations: z.int(),
      ecommerceStations: z.int(),
      settopBoxHouseholds: z.int(),
      infoPoints: z.int(),
    }),
  }),
})

export const operator = z.strictObject({
  id: slug,
  name: humanText,
  role: z.enum(['district', 'town']),
  /** Town codes this operator may touch; district operators may touch all and list none. */
  towns: z.array(townCode).default([]),
  sshPublicKey: z
    .string()
    .regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) [A-Za-z0-9+/=]{40,800}( [A-Za-z0-9@._-]{1,64})?$/, 'one OpenSSH public key line: type, base64, optional comment'),
})

export const operatorsFile = z.strictObject({
  $schema: z.string().optional(),
  operators: z.array(operator).min(1),
})

export type StationInput = z.input<typeof station>
export type StationSpec = z.output<typeof station>
export type TownFile = z.output<typeof townFile>
export type DistrictFile = z.output<typeof districtFile>
export type DistrictSpec = DistrictFile['district']
export type OperatorsFile = z.output<typeof operatorsFile>
export type Operator = z.output<typeof operator>
export type Device = z.output<typeof device>
export type DeviceType = z.output<typeof deviceType>
export type WifiSpec = z.output<typeof wifi>
export type WanSpec = z.output<typeof wan>
export type LanPlan = z.output<typeof lanPlan>
export type SecretRefSpec = z.output<typeof secretRef>
export type Carrier = z.output<typeof carrier>
