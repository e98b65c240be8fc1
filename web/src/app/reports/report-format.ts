// Numbers, shares, durations and dates of a report, formatted for the console's language.

import { Language } from '../core/models';

export function locale(language: Language): string {
  return language === 'en' ? 'en-US' : 'es-MX';
}

/** `1,234` / `1.234` as the language writes it; a dash for nothing. */
export function formatCount(value: number | null | undefined, language: Language): string {
  return value === null || value === undefined ? '—' : new Intl.NumberFormat(locale(language)).format(value);
}

/** A share (0..1) as a percentage with one decimal at most. */
export function formatShare(value: number | null | undefined, language: Language): string {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat(locale(language), { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

/** An average rating with one decimal (`4.5` / `4,5`). */
export function formatAverage(value: number | null | undefined, language: Language): string {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat(locale(language), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
}

/** A duration in milliseconds: minutes under an hour, hours (one decimal) under two days, else
 * days (one decimal). */
export function formatDuration(ms: number | null | undefined, language: Language): string {
  if (ms === null || ms === undefined) return '—';
  const number = (value: number, digits: number): string =>
    new Intl.NumberFormat(locale(language), { maximumFractionDigits: digits }).format(value);
  const minutes = ms / 60_000;
  if (minutes < 60) return `${number(Math.round(minutes), 0)} min`;
  const hours = minutes / 60;
  if (hours < 48) return `${number(hours, 1)} h`;
  return `${number(hours / 24, 1)} d`;
}

/** A local date (`YYYY-MM-DD`) as "3 mar" / "Mar 3" (with the year when asked). */
export function formatDay(day: string, language: Language, withYear = false): string {
  const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', timeZone: 'UTC' };
  if (withYear) options.year = 'numeric';
  return new Intl.DateTimeFormat(locale(language), options).format(new Date(`${day}T00:00:00Z`));
}

/** An instant as a date and time in the language (the browser's time zone). */
export function formatInstant(instant: string, language: Language): string {
  return new Intl.DateTimeFormat(locale(language), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(instant));
}
