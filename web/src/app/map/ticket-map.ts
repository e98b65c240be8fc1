import { HttpClient } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  OnInit,
  ViewEncapsulation,
  afterNextRender,
  computed,
  effect,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import type * as Leaflet from 'leaflet';
import { BehaviorSubject, catchError, debounceTime, distinctUntilChanged, map, merge, of, skip, switchMap, tap } from 'rxjs';

import { ApiError, toApiError } from '../core/api-error';
import { AuthService } from '../core/auth.service';
import { ConfigService, categoryLabel } from '../core/config.service';
import { I18nService } from '../core/i18n.service';
import { Priority } from '../core/models';
import { SocketService } from '../core/socket.service';
import { MapTilesService, leafletStyles } from '../widgets/map';
import { FilterOption, MultiFilter } from '../widgets/multi-filter';
import { SLA_STATES } from '../tickets/sla-view';
import { OPEN_STATUSES } from '../tickets/ticket-list.state';
import { PRIORITIES } from '../tickets/ticket-workflow';
import {
  DEFAULT_MAP_FILTERS,
  MapAnswer,
  MapFilters,
  MapPoint,
  PRIORITY_COLOURS,
  PRIORITY_ORDER,
  clusterHtml,
  listParams,
  mapFiltersFromParams,
  mapFiltersToParams,
  mapQuery,
  mapQueryParams,
  mostUrgent,
  pinHtml,
  sameMapFilters,
} from './map-view';

const SEARCH_DEBOUNCE_MS = 300;
/** Ticket events come in bursts (a bulk action, a problem's incidents): one reload after them. */
const LIVE_DEBOUNCE_MS = 500;
const HOME: [number, number] = [19.4326, -99.1332];
const MAX_ZOOM = 19;

type Cluster = typeof import('leaflet') & {
  markerClusterGroup(options?: object): Leaflet.FeatureGroup & { clearLayers(): void; addLayers(layers: Leaflet.Layer[]): void };
};

interface PinnedMarker extends Leaflet.Marker {
  priority?: Priority;
}

let clusterStyles: Promise<void> | null = null;

/** leaflet.markercluster's stylesheet (its animations), built apart and linked on first use. */
function markerClusterStyles(): Promise<void> {
  clusterStyles ??= new Promise((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = 'markercluster.css';
    link.onload = link.onerror = () => resolve();
    document.head.appendChild(link);
  });
  return clusterStyles;
}

/** Leaflet and leaflet.markercluster, loaded on first use apart from the console's first bundle.
 * The plugin extends the global `L` (a UMD script): it gets a copy of the module to extend. */
async function loadLeaflet(): Promise<Cluster> {
  const [leaflet] = await Promise.all([import('leaflet'), leafletStyles(), markerClusterStyles()]);
  const L = ((leaflet as unknown as { default?: typeof Leaflet }).default ?? leaflet) as typeof Leaflet;
  const host = window as unknown as { L?: Cluster };
  if (!host.L?.markerClusterGroup) {
    host.L = { ...L } as Cluster;
    await import('leaflet.markercluster');
  }
  return host.L as Cluster;
}

/** `/map`: the open tickets with a place, clustered, each pin in its priority's colour (problems
 * ringed, with their count of incidents); the list's filters, in the address (the list and the map
 * switch with the same filters); live: ticket events and a reconnect reload it. */
@Component({
  selector: 'app-ticket-map',
  imports: [ReactiveFormsModule, RouterLink, MultiFilter],
  changeDetection: ChangeDetectionStrategy.OnPush,
  encapsulation: ViewEncapsulation.None,
  styles: `
    .uts-pin { display: flex; align-items: center; justify-content: center; width: 18px; height: 18px; border-radius: 9999px; background: var(--pin); border: 2px solid #fff; box-shadow: 0 0 0 1px rgb(0 0 0 / 0.35); cursor: pointer; }
    .uts-pin-problem { width: 26px; height: 26px; border: 3px solid #fff; box-shadow: 0 0 0 3px var(--pin), 0 0 0 4px rgb(0 0 0 / 0.35); }
    .uts-pin-count { color: #fff; font: 700 11px/1 system-ui, sans-serif; }
    .uts-cluster { display: flex; align-items: center; justify-content: center; width: 36px; height: 36px; border-radius: 9999px; background: var(--pin); color: #fff; font: 700 13px/1 system-ui, sans-serif; border: 3px solid rgb(255 255 255 / 0.85); box-shadow: 0 0 0 1px rgb(0 0 0 / 0.3); }
    .uts-map-popup a { font-weight: 600; }
  `,
  template: `
    <div class="-mx-3 -my-4 flex h-[calc(100dvh-3.5rem)] flex-col sm:mx-0 sm:my-0 sm:h-[calc(100dvh-6.5rem)]" data-testid="map-page">
      <div class="flex flex-wrap items-center gap-2 px-3 py-2 sm:px-0 sm:pt-0">
        <h1 class="text-xl font-semibold text-gray-900 sm:text-2xl">{{ i18n.t('map.title') }}</h1>
        @if (answer(); as shown) {
          <span class="text-xs text-gray-500" data-testid="map-count">{{ i18n.t('map.count', { count: shown.points.length }) }}</span>
        }
        <a routerLink="/tickets" [queryParams]="listLink()" class="ml-auto text-sm font-medium text-indigo-700 hover:underline" data-testid="map-to-list">{{ i18n.t('map.asList') }}</a>
        <button type="button" class="rounded-md border border-gray-300 bg-white px-3 py-1.5 text-sm font-medium text-gray-700 sm:hidden" (click)="filtersOpen.set(!filtersOpen())" [attr.aria-expanded]="filtersOpen()" aria-controls="map-filters" data-testid="map-filters-toggle">
          {{ i18n.t('map.filters') }}@if (activeFilters()) {<span class="ml-1 rounded-full bg-indigo-600 px-1.5 text-xs text-white">{{ activeFilters() }}</span>}
        </button>
      </div>

      <div id="map-filters" class="z-[1001] mx-3 mb-2 grid-cols-2 gap-2 rounded-lg border border-gray-200 bg-white p-3 sm:mx-0 sm:grid sm:grid-cols-4 lg:grid-cols-9" [class.grid]="filtersOpen()" [class.hidden]="!filtersOpen()" role="search" data-testid="map-filters">
        <label class="col-span-2 sm:col-span-4 lg:col-span-2">
          <span class="sr-only">{{ i18n.t('common.search') }}</span>
          <input type="search" [formControl]="search" [placeholder]="i18n.t('tickets.searchPlaceholder')" class="w-full rounded-md border border-gray-300 px-3 py-1.5 text-sm" data-testid="map-search" />
        </label>
        <div class="text-xs text-gray-600">{{ i18n.t('tickets.filterStatus') }}
          <app-multi-filter [label]="i18n.t('tickets.filterStatus')" [options]="statusOptions()" [selected]="filters().status" [anyLabel]="i18n.t('map.anyOpen')" (changed)="set({ status: $any($event) })" data-testid="map-filter-status" />
        </div>
        <div class="text-xs text-gray-600">{{ i18n.t('tickets.filterPriority') }}
          <app-multi-filter [label]="i18n.t('tickets.filterPriority')" [options]="priorityOptions()" [selected]="filters().priority" [anyLabel]="i18n.t('tickets.any')" (changed)="set({ priority: $any($event) })" data-testid="map-filter-priority" />
        </div>
        <div class="text-xs text-gray-600">{{ i18n.t('tickets.filterCategory') }}
          <app-multi-filter [label]="i18n.t('tickets.filterCategory')" [options]="categoryOptions()" [selected]="filters().category" [anyLabel]="i18n.t('tickets.any')" (changed)="set({ category: $event })" data-testid="map-filter-category" />
        </div>
        <label class="text-xs text-gray-600">{{ i18n.t('tickets.filterAssigned') }}
          <select class="mt-0.5 block w-full rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm text-gray-900" [value]="filters().assigned" (change)="set({ assigned: value($event) })" data-testid="map-filter-assigned">
            <option value="anyone" [selected]="filters().assigned === 'anyone'">{{ i18n.t('tickets.assignedAnyone') }}</option>
            <option value="me" [selected]="filters().assigned === 'me'">{{ i18n.t('tickets.assignedMe') }}</option>
            <option value="unassigned" [selected]="filters().assigned === 'unassigned'">{{ i18n.t('tickets.assignedUnassigned') }}</option>
          </select>
        </label>
        <div class="text-xs text-gray-600">{{ i18n.t('sla.title') }}
          <app-multi-filter [label]="i18n.t('sla.title')" [options]="slaOptions()" [selected]="filters().sla" [anyLabel]="i18n.t('tickets.any')" (changed)="set({ sla: $any($event) })" data-testid="map-filter-sla" />
        </div>
        <label class="text-xs text-gray-600">{{ i18n.t('map.from') }}
          <input type="date" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1 text-sm text-gray-900" [value]="filters().from" [max]="filters().to || null" (change)="set({ from: value($event) })" data-testid="map-filter-from" />
        </label>
        <label class="text-xs text-gray-600">{{ i18n.t('map.to') }}
          <input type="date" class="mt-0.5 block w-full rounded-md border border-gray-300 px-2 py-1 text-sm text-gray-900" [value]="filters().to" [min]="filters().from || null" (change)="set({ to: value($event) })" data-testid="map-filter-to" />
        </label>
        <label class="flex items-end gap-2 pb-2 text-sm text-gray-700">
          <input type="checkbox" class="rounded border-gray-300" [checked]="filters().escalated" (change)="set({ escalated: $any($event.target).checked })" data-testid="map-filter-escalated" />{{ i18n.t('dashboard.escalated') }}
        </label>
      </div>

      <div class="relative min-h-0 flex-1 overflow-hidden border-gray-200 sm:rounded-lg sm:border">
        <div #host class="absolute inset-0 bg-gray-100" data-testid="ticket-map" [attr.data-ready]="ready() || null" [attr.data-points]="answer()?.points?.length ?? null"></div>

        @if (loading()) {
          <p class="pointer-events-none absolute left-1/2 top-3 z-[1000] -translate-x-1/2 rounded-full bg-white/90 px-3 py-1 text-xs text-gray-700 shadow" role="status" data-testid="map-loading">{{ i18n.t('common.loading') }}</p>
        }
        @if (error(); as failed) {
          <div class="absolute inset-x-3 top-3 z-[1000] flex flex-wrap items-center gap-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 shadow" role="alert" data-testid="map-error">
            <span>{{ i18n.t('common.error', { message: failed.message }) }}</span>
            <button type="button" class="ml-auto rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium" (click)="reload()">{{ i18n.t('map.retry') }}</button>
          </div>
        } @else if (answer(); as shown) {
          @if (shown.points.length === 0) {
            <p class="pointer-events-none absolute inset-x-6 top-1/3 z-[1000] rounded-lg bg-white/95 p-4 text-center text-sm text-gray-600 shadow" data-testid="map-empty">{{ i18n.t('map.empty') }}</p>
          }
          @if (shown.capped) {
            <p class="absolute inset-x-3 top-3 z-[1000] rounded-md bg-amber-50 px-3 py-1.5 text-center text-xs text-amber-900 shadow sm:left-auto sm:right-3" data-testid="map-capped">{{ i18n.t('map.capped', { limit: shown.limit }) }}</p>
          }
        }

        <div class="absolute bottom-3 left-3 z-[1000] rounded-md bg-white/95 px-2.5 py-2 text-xs text-gray-700 shadow" data-testid="map-legend">
          <ul class="flex flex-wrap gap-x-3 gap-y-1">
            @for (priority of legendPriorities; track priority) {
              <li class="flex items-center gap-1.5"><span class="inline-block h-3 w-3 rounded-full border border-white" [style.background]="colours[priority]" aria-hidden="true"></span>{{ i18n.priority(priority) }}</li>
            }
            <li class="flex items-center gap-1.5"><span class="inline-block h-3 w-3 rounded-full border-2 border-gray-700 bg-white" aria-hidden="true"></span>{{ i18n.t('map.problem') }}</li>
          </ul>
        </div>
      </div>
    </div>
  `,
})
export class TicketMapPage implements OnInit {
  protected readonly i18n = inject(I18nService);
  private readonly config = inject(ConfigService);
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly socket = inject(SocketService);
  private readonly tiles = inject(MapTilesService);
  private readonly route = inject(ActivatedRoute);
  private readonly router = inject(Router);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly colours = PRIORITY_COLOURS;
  protected readonly legendPriorities = PRIORITY_ORDER;
  private readonly filters$ = new BehaviorSubject<MapFilters>(DEFAULT_MAP_FILTERS);
  protected readonly filters = toSignal(this.filters$, { requireSync: true });
  protected readonly search = new FormControl('', { nonNullable: true });
  protected readonly filtersOpen = signal(false);
  protected readonly answer = signal<MapAnswer | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly ready = signal(false);
  private readonly reloads$ = new BehaviorSubject<void>(undefined);

  private readonly categories = toSignal(this.config.config$);
  protected readonly statusOptions = computed<FilterOption[]>(() => OPEN_STATUSES.map((s) => ({ value: s, label: this.i18n.status(s) })));
  protected readonly priorityOptions = computed<FilterOption[]>(() => PRIORITIES.map((p) => ({ value: p, label: this.i18n.priority(p) })));
  protected readonly slaOptions = computed<FilterOption[]>(() => SLA_STATES.map((s) => ({ value: s, label: this.i18n.t(`slaState.${s}`) })));
  protected readonly categoryOptions = computed<FilterOption[]>(() =>
    (this.categories()?.ticketCategories ?? []).map((c) => ({ value: c.id, label: categoryLabel(c, c.id, this.i18n.language()) })),
  );
  protected readonly listLink = computed(() => listParams(this.filters()));
  /** How many filters are set (shown on the phone's "Filters" button). */
  protected readonly activeFilters = computed(() => Object.keys(mapFiltersToParams(this.filters())).length);

  private readonly host = viewChild.required<ElementRef<HTMLElement>>('host');
  private L: Cluster | null = null;
  private map: Leaflet.Map | null = null;
  private cluster: ReturnType<Cluster['markerClusterGroup']> | null = null;
  private fitted = false;

  constructor() {
    afterNextRender(() => void this.open());
    effect(() => {
      const answer = this.answer();
      if (this.ready() && answer) this.draw(answer.points);
    });
    this.destroyRef.onDestroy(() => this.map?.remove());
  }

  ngOnInit(): void {
    this.route.queryParamMap.pipe(takeUntilDestroyed(this.destroyRef)).subscribe((params) => {
      const filters = mapFiltersFromParams(params);
      if (!sameMapFilters(filters, this.filters$.value)) {
        this.fitted = false;
        this.filters$.next(filters);
      }
      if (this.search.value.trim() !== filters.search) this.search.setValue(filters.search, { emitEvent: false });
    });
    this.search.valueChanges
      .pipe(debounceTime(SEARCH_DEBOUNCE_MS), distinctUntilChanged(), takeUntilDestroyed(this.destroyRef))
      .subscribe((search) => {
        if (search.trim() !== this.filters().search) this.set({ search: search.trim() });
      });
    // Live: a burst of ticket events, or a reconnect once it caught up, reads the map again.
    const live = merge(this.socket.ticketEvents(), this.socket.caughtUp$).pipe(debounceTime(LIVE_DEBOUNCE_MS));
    merge(this.filters$.pipe(map(() => undefined)), this.reloads$.pipe(skip(1)), live)
      .pipe(
        tap(() => this.loading.set(true)),
        switchMap(() => {
          const query = mapQuery(this.filters$.value, this.auth.agent?.id ?? null);
          return this.http.get<MapAnswer>('/api/v2/tickets/map', { params: mapQueryParams(query) }).pipe(
            catchError((failure: unknown) => {
              this.error.set(toApiError(failure));
              return of(null);
            }),
          );
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((answer) => {
        this.loading.set(false);
        if (!answer) return;
        this.error.set(null);
        this.answer.set(answer);
      });
  }

  /** Change the filters by changing the address (back undoes it; a new tab opens the same map). */
  protected set(changes: Partial<MapFilters>): void {
    void this.router.navigate(['/map'], { queryParams: mapFiltersToParams({ ...this.filters(), ...changes }) });
  }

  protected reload(): void {
    this.reloads$.next();
  }

  protected value<T>(event: Event): T {
    return (event.target as HTMLInputElement).value as T;
  }

  private async open(): Promise<void> {
    const L = await loadLeaflet();
    if (this.map) return;
    this.L = L;
    // The clusters need the map's greatest zoom before any tile layer gives one.
    const map = L.map(this.host().nativeElement, { center: HOME, zoom: 11, maxZoom: MAX_ZOOM });
    this.map = map;
    this.cluster = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      iconCreateFunction: (cluster: { getChildCount(): number; getAllChildMarkers(): PinnedMarker[] }) => {
        const priority = mostUrgent(cluster.getAllChildMarkers().map((m) => m.priority ?? 'medium'));
        return L.divIcon({ html: clusterHtml(cluster.getChildCount(), priority), className: 'uts-cluster-icon', iconSize: [36, 36] });
      },
    });
    map.addLayer(this.cluster);
    this.tiles.tiles$.pipe(takeUntilDestroyed(this.destroyRef)).subscribe((tiles) => {
      if (!this.map) return;
      // A tile that does not load leaves its square blank: the pins do not depend on tiles.
      L.tileLayer(tiles.tileUrl, { attribution: tiles.attribution, maxZoom: tiles.maxZoom }).addTo(map);
    });
    // The page's height is known once laid out (a phone's toolbar may change it later).
    setTimeout(() => map.invalidateSize(), 0);
    this.ready.set(true);
  }

  private draw(points: MapPoint[]): void {
    const L = this.L;
    if (!L || !this.map || !this.cluster) return;
    const markers = points.map((point) => {
      const size = point.isProblem ? 32 : 22;
      const icon = L.divIcon({ html: pinHtml(point), className: 'uts-pin-icon', iconSize: [size, size] });
      const marker: PinnedMarker = L.marker([point.latitude, point.longitude], { icon, title: `${point.ticketId} · ${point.subject}`, keyboard: true });
      marker.priority = point.priority;
      marker.bindPopup(() => this.popup(point), { className: 'uts-map-popup' });
      return marker;
    });
    this.cluster.clearLayers();
    this.cluster.addLayers(markers);
    if (!this.fitted && points.length > 0) {
      this.fitted = true; // a live reload keeps the agent's view; new filters fit the points again
      const bounds = L.latLngBounds(points.map((p) => [p.latitude, p.longitude] as [number, number]));
      this.map.fitBounds(bounds, { padding: [32, 32], maxZoom: 16 });
    }
  }

  /** The popup of a pin: the ticket's id, subject and status; a click on it opens the ticket. */
  private popup(point: MapPoint): HTMLElement {
    const box = document.createElement('div');
    box.className = 'cursor-pointer text-sm';
    box.dataset['popupTicket'] = point.ticketId;
    const link = document.createElement('a');
    link.href = `/tickets/${encodeURIComponent(point.ticketId)}`;
    link.textContent = point.ticketId;
    link.className = 'font-mono text-indigo-700';
    const subject = document.createElement('div');
    subject.textContent = point.subject;
    subject.className = 'mt-0.5 text-gray-900';
    const status = document.createElement('div');
    const problem = point.isProblem ? ` · ${this.i18n.t('map.incidents', { count: point.incidentCount })}` : '';
    status.textContent = `${this.i18n.status(point.status)} · ${this.i18n.priority(point.priority)}${problem}`;
    status.className = 'mt-0.5 text-xs text-gray-600';
    box.append(link, subject, status);
    box.addEventListener('click', (event) => {
      event.preventDefault();
      void this.router.navigate(['/tickets', point.ticketId]);
    });
    return box;
  }
}
