import { HttpClient } from '@angular/common/http';
import { Injectable, OnDestroy, inject } from '@angular/core';
import { BehaviorSubject, Observable, Subscription, filter, map, tap } from 'rxjs';

import { Answer } from './api';
import { AuthService } from './auth.service';
import { Category, ConsoleConfig, Language } from './models';
import { SocketService } from './socket.service';

const LANGUAGE_KEY = 'uts.language';
const FOCUS_REFRESH_MS = 30_000;

/** The configuration every screen is labelled with, kept current: re-read when an admin saves
 * a change anywhere (`config_updated` over Socket.IO) and when the window regains focus after a
 * while (covers a socket that was down). */
@Injectable({ providedIn: 'root' })
export class ConfigService implements OnDestroy {
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly state = new BehaviorSubject<ConsoleConfig | null>(null);
  private readonly subscriptions = new Subscription();
  private loadedAt = 0;

  readonly config$ = this.state.asObservable();
  readonly ready$: Observable<ConsoleConfig> = this.config$.pipe(
    filter((config): config is ConsoleConfig => config !== null),
  );

  constructor() {
    this.subscriptions.add(
      this.auth.agent$.subscribe((agent) => (agent ? this.refresh() : this.state.next(null))),
    );
    this.subscriptions.add(inject(SocketService).on('config_updated').subscribe(() => this.refresh()));
    const onFocus = (): void => {
      if (this.auth.agent && Date.now() - this.loadedAt > FOCUS_REFRESH_MS) this.refresh();
    };
    window.addEventListener('focus', onFocus);
    this.subscriptions.add(() => window.removeEventListener('focus', onFocus));
  }

  get snapshot(): ConsoleConfig | null {
    return this.state.value;
  }

  /** The language last configured (remembered for the sign-in screen). */
  get language(): Language {
    return this.state.value?.language ?? rememberedLanguage();
  }

  load(): Observable<ConsoleConfig> {
    return this.http.get<Answer<'/api/v2/config/console', 'get'>>('/api/v2/config/console').pipe(
      map((answer) => answer.configuration),
      tap((config) => {
        this.loadedAt = Date.now();
        localStorage.setItem(LANGUAGE_KEY, config.language);
        this.state.next(config);
      }),
    );
  }

  refresh(): void {
    this.load().subscribe({ error: () => undefined });
  }

  category(id: string): Category | undefined {
    return this.state.value?.ticketCategories.find((category) => category.id === id);
  }

  ngOnDestroy(): void {
    this.subscriptions.unsubscribe();
  }
}

function rememberedLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  if (stored === 'es' || stored === 'en') return stored;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'es';
}

/** A category's label in the configured language (the Spanish label when no English one). */
export function categoryLabel(
  category: { label: string; labelEn?: string | null } | undefined,
  id: string,
  language: Language,
): string {
  if (!category) return id;
  return language === 'en' && category.labelEn ? category.labelEn : category.label;
}
