/**
 * The lists the installer offers: locales, console keymaps and time zones, read from this system where it
 * has them and otherwise a built-in list of common ones, always sorted.
 */
import { readFileSync, readdirSync } from 'node:fs';

const COMMON_LOCALES = [
  'C.UTF-8', 'cs_CZ.UTF-8', 'da_DK.UTF-8', 'de_AT.UTF-8', 'de_CH.UTF-8', 'de_DE.UTF-8', 'el_GR.UTF-8', 'en_AU.UTF-8', 'en_CA.UTF-8', 'en_GB.UTF-8',
  'en_IE.UTF-8', 'en_IN.UTF-8', 'en_NZ.UTF-8', 'en_US.UTF-8', 'es_ES.UTF-8', 'es_MX.UTF-8', 'fi_FI.UTF-8', 'fr_BE.UTF-8', 'fr_CA.UTF-8', 'fr_CH.UTF-8',
  'fr_FR.UTF-8', 'hu_HU.UTF-8', 'it_IT.UTF-8', 'ja_JP.UTF-8', 'ko_KR.UTF-8', 'nb_NO.UTF-8', 'nl_BE.UTF-8', 'nl_NL.UTF-8', 'pl_PL.UTF-8', 'pt_BR.UTF-8',
  'pt_PT.UTF-8', 'ro_RO.UTF-8', 'ru_RU.UTF-8', 'sk_SK.UTF-8', 'sv_SE.UTF-8', 'tr_TR.UTF-8', 'uk_UA.UTF-8', 'zh_CN.UTF-8', 'zh_TW.UTF-8',
];

const COMMON_KEYMAPS = [
  'be-latin1', 'br-abnt2', 'cf', 'cz', 'de', 'de-latin1', 'de_CH-latin1', 'dk', 'dvorak', 'es', 'et', 'fi', 'fr', 'fr_CH', 'gr', 'hu', 'il', 'it', 'jp106',
  'la-latin1', 'lt', 'lv', 'mk', 'nl', 'no', 'pl', 'pt-latin1', 'ro', 'ru', 'se-latin1', 'sg', 'sk-qwertz', 'slovene', 'tr_q-latin5', 'ua', 'uk', 'us',
];

/** UTF-8 locales the system can generate (/usr/share/i18n/SUPPORTED), else the common ones. */
export function availableLocales(): string[] {
  try {
    const supported = readFileSync('/usr/share/i18n/SUPPORTED', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[0]!)
      .filter((name) => /\.UTF-8$/.test(name));
    if (supported.length > 0) return [...new Set(['C.UTF-8', ...supported])].sort();
  } catch {
    // no glibc locale data on this system: the built-in list
  }
  return [...COMMON_LOCALES];
}

/** Console keymaps (the kbd package's /usr/share/keymaps), else the common ones. */
export function availableKeyMaps(): string[] {
  const found = new Set<string>();
  const walk = (directory: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(directory);
    } catch {
      return;
    }
    for (const name of names) {
      const match = /^(.+)\.map(\.gz)?$/.exec(name);
      if (match) found.add(match[1]!);
      else if (depth < 3 && !name.includes('.')) walk(`${directory}/${name}`, depth + 1);
    }
  };
  walk('/usr/share/keymaps/i386', 0);
  return found.size > 0 ? [...found].sort() : [...COMMON_KEYMAPS];
}

export function availableTimeZones(): string[] {
  return [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].sort();
}
