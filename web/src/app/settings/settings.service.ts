import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map, tap } from 'rxjs';

import { ConfigService } from '../core/config.service';
import {
  AssistantConfig,
  Category,
  ChangeRecord,
  Preset,
  RenderedAssistant,
  SlaPolicy,
  Terminology,
  TicketIdFormat,
} from '../core/models';

const BASE = '/api/v2/config';

export type SettingKey =
  | 'ticket_categories'
  | 'assistant_configuration'
  | 'ticket_terminology'
  | 'ticket_id_format'
  | 'assistant_instructions_template'
  | 'sla_policy';

/** The admin configuration API. Every save also refreshes this console's own configuration
 * at once (other consoles get `config_updated`). */
@Injectable({ providedIn: 'root' })
export class SettingsService {
  private readonly http = inject(HttpClient);
  private readonly config = inject(ConfigService);

  categories(): Observable<Category[]> {
    return this.http.get<{ categories: Category[] }>(`${BASE}/ticket-categories`).pipe(map((a) => a.categories));
  }

  saveCategories(categories: Category[]): Observable<Category[]> {
    return this.saved(
      this.http.put<{ categories: Category[] }>(`${BASE}/ticket-categories`, { categories }).pipe(map((a) => a.categories)),
    );
  }

  terminology(): Observable<Terminology> {
    return this.http.get<{ terminology: Terminology }>(`${BASE}/terminology`).pipe(map((a) => a.terminology));
  }

  saveTerminology(terminology: Terminology): Observable<Terminology> {
    return this.saved(
      this.http.put<{ terminology: Terminology }>(`${BASE}/terminology`, terminology).pipe(map((a) => a.terminology)),
    );
  }

  idFormat(): Observable<TicketIdFormat> {
    return this.http.get<{ format: TicketIdFormat }>(`${BASE}/ticket-id-format`).pipe(map((a) => a.format));
  }

  saveIdFormat(format: TicketIdFormat): Observable<TicketIdFormat> {
    return this.saved(this.http.put<{ format: TicketIdFormat }>(`${BASE}/ticket-id-format`, format).pipe(map((a) => a.format)));
  }

  assistant(): Observable<AssistantConfig> {
    return this.http.get<{ config: AssistantConfig }>(`${BASE}/assistant`).pipe(map((a) => a.config));
  }

  saveAssistant(config: AssistantConfig): Observable<AssistantConfig> {
    return this.saved(this.http.put<{ config: AssistantConfig }>(`${BASE}/assistant`, config).pipe(map((a) => a.config)));
  }

  template(): Observable<string> {
    return this.http.get<{ template: string }>(`${BASE}/instructions-template`).pipe(map((a) => a.template));
  }

  saveTemplate(template: string): Observable<string> {
    return this.saved(
      this.http.put<{ template: string }>(`${BASE}/instructions-template`, { template }).pipe(map((a) => a.template)),
    );
  }

  sla(): Observable<SlaPolicy> {
    return this.http.get<{ policy: SlaPolicy }>(`${BASE}/sla`).pipe(map((a) => a.policy));
  }

  saveSla(policy: SlaPolicy): Observable<SlaPolicy> {
    return this.saved(this.http.put<{ policy: SlaPolicy }>(`${BASE}/sla`, policy).pipe(map((a) => a.policy)));
  }

  /** The id the next ticket would get under a format not yet saved (the tickets service's
   * counter; nothing is saved or drawn). */
  previewIdFormat(format: TicketIdFormat): Observable<string> {
    return this.http
      .post<{ nextTicketId: string }>(`${BASE}/ticket-id-format/preview`, format)
      .pipe(map((a) => a.nextTicketId));
  }

  /** A template not yet saved, rendered with the current configuration (unknown variables
   * listed). */
  previewTemplate(template: string): Observable<RenderedAssistant> {
    return this.http
      .post<RenderedAssistant & { success: true }>(`${BASE}/instructions-template/preview`, { template })
      .pipe(map(({ instructions, tools, unknownVariables }) => ({ instructions, tools, unknownVariables })));
  }

  reset(key: SettingKey): Observable<unknown> {
    return this.saved(this.http.post<{ value: unknown }>(`${BASE}/reset/${key}`, {}).pipe(map((a) => a.value)));
  }

  presets(): Observable<Preset[]> {
    return this.http.get<{ presets: Preset[] }>(`${BASE}/presets`).pipe(map((a) => a.presets));
  }

  applyPreset(id: string): Observable<Preset> {
    return this.saved(
      this.http.post<{ preset: Preset }>(`${BASE}/presets/${encodeURIComponent(id)}/apply`, {}).pipe(map((a) => a.preset)),
    );
  }

  savePreset(id: string, name: string, description: string): Observable<Preset> {
    return this.http.post<{ preset: Preset }>(`${BASE}/presets`, { id, name, description }).pipe(map((a) => a.preset));
  }

  deletePreset(id: string): Observable<Preset[]> {
    return this.http.delete<{ presets: Preset[] }>(`${BASE}/presets/${encodeURIComponent(id)}`).pipe(map((a) => a.presets));
  }

  history(limit = 100): Observable<ChangeRecord[]> {
    return this.http.get<{ changes: ChangeRecord[] }>(`${BASE}/history`, { params: { limit } }).pipe(map((a) => a.changes));
  }

  private saved<T>(request: Observable<T>): Observable<T> {
    return request.pipe(tap(() => this.config.refresh()));
  }
}
