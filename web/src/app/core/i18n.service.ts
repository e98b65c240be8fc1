import { Injectable, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';

import { ConfigService, categoryLabel } from './config.service';
import { MESSAGES, MessageKey } from './messages';
import { Language, Priority, Terminology, TicketStatus } from './models';

type Params = Record<string, string | number>;

/** Texts of a lazily loaded part of the console in both languages (kept out of the initial
 * bundle's `MESSAGES`), worded by `I18nService.local` as `t()` words its own. */
export type LocalMessages<K extends string> = Record<Language, Record<K, string>>;

const DEFAULT_TERMS: Record<Language, Terminology> = {
  es: {
    ticketSingular: 'ticket',
    ticketPlural: 'tickets',
    createVerb: 'crear',
    customerNoun: 'cliente',
    agentNoun: 'agente',
    resolveVerb: 'resolver',
  },
  en: {
    ticketSingular: 'ticket',
    ticketPlural: 'tickets',
    createVerb: 'create',
    customerNoun: 'customer',
    agentNoun: 'agent',
    resolveVerb: 'resolve',
  },
};

const CLOCK_TICK_MS = 30_000;

/** UI text in the configured language, worded with the configured terminology.
 *
 * Templates call `t()`/`ago()`; both read signals, so a saved language or term (pushed by the
 * ConfigService) or the passing of time re-renders them without any manual change detection.
 */
@Injectable({ providedIn: 'root' })
export class I18nService {
  private readonly config = inject(ConfigService);
  private readonly current = toSignal(this.config.config$, { initialValue: null });
  private readonly now = signal(Date.now());

  readonly language = computed<Language>(() => this.current()?.language ?? this.config.language);
  readonly terms = computed<Record<string, string>>(() => termsOf(this.current()?.terminology ?? DEFAULT_TERMS[this.language()], this.language()));

  constructor() {
    setInterval(() => this.now.set(Date.now()), CLOCK_TICK_MS);
  }

  t(key: MessageKey, params: Params = {}): string {
    return this.fill(MESSAGES[this.language()][key] ?? key, params);
  }

  /** One of a lazily loaded part's own texts (`LocalMessages`), worded as `t()` words. */
  local<K extends string>(messages: LocalMessages<K>, key: K, params: Params = {}): string {
    return this.fill(messages[this.language()][key] ?? key, params);
  }

  private fill(template: string, params: Params): string {
    const values: Record<string, string | number> = { ...this.terms(), ...params };
    return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in values ? String(values[name]) : whole,
    );
  }

  status(status: TicketStatus): string {
    return this.t(`status.${status}`);
  }

  priority(priority: Priority): string {
    return this.t(`priority.${priority}`);
  }

  /** A ticket source or conversation channel (`whatsapp`, `ai`, …); unknown values as they are. */
  source(value: string): string {
    const key = `source.${value}`;
    return key in MESSAGES.es ? this.t(key as MessageKey) : value;
  }

  conversationStatus(status: 'open' | 'assigned' | 'closed'): string {
    return this.t(`conversationStatus.${status}`);
  }

  category(id: string): string {
    return categoryLabel(this.config.category(id), id, this.language());
  }

  /** "3 min ago" / "hace 3 minutos", refreshed every 30 s. */
  ago(iso: string | null | undefined): string {
    if (!iso) return '';
    return relativeTime(new Date(iso).getTime(), this.now(), this.language());
  }

  dateTime(iso: string | null | undefined): string {
    if (!iso) return '';
    const locale = this.language() === 'es' ? 'es-MX' : 'en-US';
    return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
  }
}

/** The terminology as placeholders: `ticket`, `Ticket`, `tickets`, `Tickets`, `customer`… */
export function termsOf(terms: Terminology, language: Language): Record<string, string> {
  const words: Record<string, string> = {
    ticket: terms.ticketSingular,
    tickets: terms.ticketPlural,
    customer: terms.customerNoun,
    customers: plural(terms.customerNoun, language),
    agent: terms.agentNoun,
    agents: plural(terms.agentNoun, language),
    createVerb: terms.createVerb,
    resolveVerb: terms.resolveVerb,
  };
  const all: Record<string, string> = { ...words };
  for (const [name, word] of Object.entries(words)) {
    all[name[0].toUpperCase() + name.slice(1)] = capitalise(word);
  }
  return all;
}

export function capitalise(word: string): string {
  return word ? word[0].toLocaleUpperCase() + word.slice(1) : word;
}

function plural(noun: string, language: Language): string {
  if (language === 'en') return noun.endsWith('s') ? noun : `${noun}s`;
  return /[aeiouáéíóú]$/i.test(noun) ? `${noun}s` : `${noun}es`;
}

export function relativeTime(then: number, now: number, language: Language): string {
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto', style: 'long' });
  const seconds = Math.round((then - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 30],
    ['month', 12],
    ['year', Number.POSITIVE_INFINITY],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) {
      return unit === 'second' && Math.abs(value) < 45 ? format.format(0, 'second') : format.format(value, unit);
    }
    value = Math.round(value / size);
  }
  return format.format(value, 'year');
}
