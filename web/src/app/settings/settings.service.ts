import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, map, tap } from 'rxjs';

import { Answer } from '../core/api';
import { ConfigService } from '../core/config.service';
import { AssistantConfig, Category, CategoryInput, ChangeRecord, MapTiles, Preset, RenderedAssistant, SlaPolicy, Terminology, TicketIdFormat } from '../core/models';

const BASE = '/api/v2/config';
type Config = '/api/v2/config';

export type SettingKey =
  | 'ticket_categories'
  | 'assistant_configuration'
  | 'ticket_terminology'
  | 'ticket_id_format'
  | 'assistant_instructions_template'
  | 'sla_policy'
  | 'map_tiles';

/** The admin configuration API. Every save also refreshes this console's own configuration
 * at once (other consoles get `config_updated`). */
export type PresetImpact = Answer<'/api/v2/config/presets/{preset_id}/impact', 'get'>;

@Injectable({ providedIn: 'root' })
export class SettingsService {
  private readonly http = inject(HttpClient);
  private readonly config = inject(ConfigService);

  categories(): Observable<Category[]> {
    return this.http.get<Answer<`${Config}/ticket-categories`, 'get'>>(`${BASE}/ticket-categories`).pipe(map((a) => a.categories));
  }

  saveCategories(categories: CategoryInput[]): Observable<Category[]> {
    return this.saved(
      this.http.put<Answer<`${Config}/ticket-categories`, 'put'>>(`${BASE}/ticket-categories`, { categories }).pipe(map((a) => a.categories)),
    );
  }

  terminology(): Observable<Terminology> {
    return this.http.get<Answer<`${Config}/terminology`, 'get'>>(`${BASE}/terminology`).pipe(map((a) => a.terminology));
  }

  saveTerminology(terminology: Terminology): Observable<Terminology> {
    return this.saved(
      this.http.put<Answer<`${Config}/terminology`, 'put'>>(`${BASE}/terminology`, terminology).pipe(map((a) => a.terminology)),
    );
  }

  mapTiles(): Observable<MapTiles> {
    return this.http.get<Answer<`${Config}/map`, 'get'>>(`${BASE}/map`).pipe(map((a) => a.tiles));
  }

  saveMapTiles(tiles: MapTiles): Observable<MapTiles> {
    return this.saved(this.http.put<Answer<`${Config}/map`, 'put'>>(`${BASE}/map`, tiles).pipe(map((a) => a.tiles)));
  }

  idFormat(): Observable<TicketIdFormat> {
    return this.http.get<Answer<`${Config}/ticket-id-format`, 'get'>>(`${BASE}/ticket-id-format`).pipe(map((a) => a.format));
  }

  saveIdFormat(format: TicketIdFormat): Observable<TicketIdFormat> {
    return this.saved(this.http.put<Answer<`${Config}/ticket-id-format`, 'put'>>(`${BASE}/ticket-id-format`, format).pipe(map((a) => a.format)));
  }

  assistant(): Observable<AssistantConfig> {
    return this.http.get<Answer<`${Config}/assistant`, 'get'>>(`${BASE}/assistant`).pipe(map((a) => a.config));
  }

  saveAssistant(config: AssistantConfig): Observable<AssistantConfig> {
    return this.saved(this.http.put<Answer<`${Config}/assistant`, 'put'>>(`${BASE}/assistant`, config).pipe(map((a) => a.config)));
  }

  template(): Observable<string> {
    return this.http.get<Answer<`${Config}/instructions-template`, 'get'>>(`${BASE}/instructions-template`).pipe(map((a) => a.template));
  }

  saveTemplate(template: string): Observable<string> {
    return this.saved(
      this.http.put<Answer<`${Config}/instructions-template`, 'put'>>(`${BASE}/instructions-template`, { template }).pipe(map((a) => a.template)),
    );
  }

  sla(): Observable<SlaPolicy> {
    return this.http.get<Answer<`${Config}/sla`, 'get'>>(`${BASE}/sla`).pipe(map((a) => a.policy as SlaPolicy));
  }

  saveSla(policy: SlaPolicy): Observable<SlaPolicy> {
    return this.saved(this.http.put<Answer<`${Config}/sla`, 'put'>>(`${BASE}/sla`, policy).pipe(map((a) => a.policy as SlaPolicy)));
  }

  /** The id the next ticket would get under a format not yet saved (the tickets service's
   * counter; nothing is saved or drawn). */
  previewIdFormat(format: TicketIdFormat): Observable<string> {
    return this.http
      .post<Answer<`${Config}/ticket-id-format/preview`, 'post'>>(`${BASE}/ticket-id-format/preview`, format)
      .pipe(map((a) => a.nextTicketId));
  }

  /** A template not yet saved, rendered with the current configuration (unknown variables
   * listed). */
  previewTemplate(template: string): Observable<RenderedAssistant> {
    return this.http
      .post<Answer<`${Config}/instructions-template/preview`, 'post'>>(`${BASE}/instructions-template/preview`, { template })
      .pipe(map(({ instructions, tools, unknownVariables }) => ({ instructions, tools, unknownVariables })));
  }

  reset(key: SettingKey): Observable<unknown> {
    return this.saved(this.http.post<Answer<`${Config}/reset/{key}`, 'post'>>(`${BASE}/reset/${key}`, {}).pipe(map((a) => a.value)));
  }

  presets(): Observable<Preset[]> {
    return this.http.get<Answer<`${Config}/presets`, 'get'>>(`${BASE}/presets`).pipe(map((a) => a.presets));
  }

  /** Apply a preset; `categoryMap` moves the open tickets of the categories it removes. */
  applyPreset(id: string, categoryMap: Record<string, string> = {}): Observable<Preset> {
    return this.saved(
      this.http
        .post<Answer<`${Config}/presets/{preset_id}/apply`, 'post'>>(`${BASE}/presets/${encodeURIComponent(id)}/apply`, { categoryMap })
        .pipe(map((a) => a.preset)),
    );
  }

  /** What applying a preset would change: removed categories and their open tickets, brand. */
  presetImpact(id: string): Observable<PresetImpact> {
    return this.http.get<Answer<`${Config}/presets/{preset_id}/impact`, 'get'>>(`${BASE}/presets/${encodeURIComponent(id)}/impact`);
  }

  savePreset(id: string, name: string, description: string): Observable<Preset> {
    return this.http.post<Answer<`${Config}/presets`, 'post'>>(`${BASE}/presets`, { id, name, description }).pipe(map((a) => a.preset));
  }

  deletePreset(id: string): Observable<Preset[]> {
    return this.http.delete<Answer<`${Config}/presets/{preset_id}`, 'delete'>>(`${BASE}/presets/${encodeURIComponent(id)}`).pipe(map((a) => a.presets));
  }

  history(limit = 100): Observable<ChangeRecord[]> {
    return this.http.get<Answer<`${Config}/history`, 'get'>>(`${BASE}/history`, { params: { limit } }).pipe(map((a) => a.changes));
  }

  private saved<T>(request: Observable<T>): Observable<T> {
    return request.pipe(tap(() => this.config.refresh()));
  }
}
