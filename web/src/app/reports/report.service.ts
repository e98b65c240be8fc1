import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map } from 'rxjs';

import { Answer } from '../core/api';
import { SlaPolicy } from '../core/models';
import { ReportFilters, ReportKind, reportParams, reportUrl } from './report-query';

export type Report = Answer<'/api/v2/reports/{kind}', 'get'>['report'];
export type Bucket = Report['buckets'][number];
export type AgentRow = Report['agents'][number];

/** The admins' reports (`GET /reports/{kind}`) and the time zone they are read in. */
@Injectable({ providedIn: 'root' })
export class ReportService {
  private readonly http = inject(HttpClient);

  /** The SLA calendar's time zone (UTC for a 24x7 clock, as the reports take it). */
  timeZone(): Observable<string> {
    return this.http
      .get<Answer<'/api/v2/config/sla', 'get'>>('/api/v2/config/sla')
      .pipe(map((answer) => zoneOf((answer.policy as SlaPolicy).calendar)));
  }

  /** Every figure of the period. Asked as `agents`, the one kind that also counts each agent's
   * open tickets now (every kind answers every other figure). */
  get(filters: ReportFilters, period: { from: string; to: string }, timeZone: string): Observable<Report> {
    return this.http
      .get<Answer<'/api/v2/reports/{kind}', 'get'>>(reportUrl('agents'), { params: reportParams(filters, period, timeZone) })
      .pipe(map((answer) => answer.report));
  }

  /** A section's CSV (`format=csv`), with the same period and filters. */
  csv(kind: ReportKind, filters: ReportFilters, period: { from: string; to: string }, timeZone: string): Observable<Blob> {
    return this.http.get(reportUrl(kind), { params: reportParams(filters, period, timeZone, 'csv'), responseType: 'blob' });
  }
}

export function zoneOf(calendar: SlaPolicy['calendar']): string {
  return typeof calendar === 'string' ? 'UTC' : calendar.timeZone;
}

/** Save a downloaded file under `name` (the browser's download). */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}
