import { HttpClient } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, Injectable, afterNextRender, effect, inject, input, output, signal, viewChild } from '@angular/core';
import type * as Leaflet from 'leaflet';
import { Observable, catchError, map, of, shareReplay } from 'rxjs';

import { Answer } from '../core/api';
import { MapTiles } from '../core/models';

export interface MapMarker {
  id: string;
  latitude: number;
  longitude: number;
  /** Shown when the marker is hovered. */
  label?: string;
}

export interface MapPoint {
  latitude: number;
  longitude: number;
}

const FALLBACK_TILES: MapTiles = { tileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', attribution: '&copy; OpenStreetMap contributors', maxZoom: 19 };
/** Where a map with nothing on it looks (Mexico City, as the plans' first customer). */
const HOME: [number, number] = [19.4326, -99.1332];

/** The tile server the configuration names (`GET /config/map`), read once per session. */
@Injectable({ providedIn: 'root' })
export class MapTilesService {
  private readonly http = inject(HttpClient);
  readonly tiles$: Observable<MapTiles> = this.http.get<Answer<'/api/v2/config/map', 'get'>>('/api/v2/config/map').pipe(
    map((answer) => answer.tiles),
    catchError(() => of(FALLBACK_TILES)),
    shareReplay(1),
  );
}

let stylesheet: Promise<void> | null = null;

/** Leaflet's stylesheet, built apart (`leaflet.css`, angular.json) and linked on first use. */
export function leafletStyles(): Promise<void> {
  stylesheet ??= new Promise((resolve) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = 'leaflet.css';
    link.onload = link.onerror = () => resolve();
    document.head.appendChild(link);
  });
  return stylesheet;
}

/** A Leaflet map (loaded on first use, apart from the console's first bundle) with `markers`;
 * `picked` says where it was clicked. Tiles from the configuration; without them (a tile server
 * that does not answer) the markers still stand on a blank background. */
@Component({
  selector: 'app-map',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<div #host class="h-full w-full bg-gray-100" data-testid="map" [attr.data-ready]="ready() || null"></div>`,
  host: { class: 'relative block overflow-hidden rounded-md border border-gray-200', '[style.height]': 'height()' },
})
export class MapWidget {
  private readonly tilesService = inject(MapTilesService);
  private readonly destroyRef = inject(DestroyRef);
  readonly markers = input<MapMarker[]>([]);
  readonly height = input('16rem');
  readonly zoom = input(16);
  readonly picked = output<MapPoint>();
  readonly markerClicked = output<string>();

  protected readonly ready = signal(false);
  private readonly host = viewChild.required<ElementRef<HTMLElement>>('host');
  private leaflet: typeof Leaflet | null = null;
  private map: Leaflet.Map | null = null;
  private layer: Leaflet.LayerGroup | null = null;

  constructor() {
    afterNextRender(() => void this.open());
    effect(() => {
      const markers = this.markers();
      if (this.ready()) this.draw(markers);
    });
    this.destroyRef.onDestroy(() => this.map?.remove());
  }

  private async open(): Promise<void> {
    const [leaflet] = await Promise.all([import('leaflet'), leafletStyles()]);
    if (this.map) return;
    const L = (leaflet as unknown as { default?: typeof Leaflet }).default ?? leaflet;
    this.leaflet = L;
    const map = L.map(this.host().nativeElement, { center: HOME, zoom: 11 });
    this.map = map;
    this.layer = L.layerGroup().addTo(map);
    map.on('click', (event: Leaflet.LeafletMouseEvent) => this.picked.emit({ latitude: round(event.latlng.lat), longitude: round(event.latlng.lng) }));
    this.tilesService.tiles$.subscribe((tiles) => {
      if (!this.map) return;
      // A tile that does not load leaves its square blank: nothing else depends on tiles.
      L.tileLayer(tiles.tileUrl, { attribution: tiles.attribution, maxZoom: tiles.maxZoom }).addTo(map);
    });
    this.ready.set(true);
  }

  private draw(markers: MapMarker[]): void {
    const L = this.leaflet;
    if (!L || !this.map || !this.layer) return;
    this.layer.clearLayers();
    for (const marker of markers) {
      const dot = L.circleMarker([marker.latitude, marker.longitude], { radius: 9, color: '#4338ca', weight: 3, fillColor: '#6366f1', fillOpacity: 0.7 });
      if (marker.label) dot.bindTooltip(marker.label);
      dot.on('click', () => this.markerClicked.emit(marker.id));
      dot.addTo(this.layer);
    }
    if (markers.length === 1) this.map.setView([markers[0].latitude, markers[0].longitude], this.zoom());
    else if (markers.length > 1) this.map.fitBounds(L.latLngBounds(markers.map((m) => [m.latitude, m.longitude] as [number, number])), { padding: [24, 24] });
  }
}

/** Six decimals: about 10 cm, as precise as a click can be. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
