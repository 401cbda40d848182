/** The two languages lastmile speaks to people: town admins read Chinese, the district also English. */
export type Lang = 'zh' | 'en'

/** Text a person reads, in both languages; formatters pick one, JSON keeps both. */
export interface Bilingual {
  zh: string
  en: string
}

/**
 * The default language from the locale variables, in POSIX precedence
 * (LC_ALL over LC_MESSAGES over LANG): Chinese when it starts with `zh`.
 */
export function detectLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || ''
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

export function pick(text: Bilingual, lang: Lang): string {
  return text[lang]
}

/** Both languages from one template: `bi('磁盘', 'disk')`. */
export function bi(zh: string, en: string): Bilingual {
  return { zh, en }
}
