import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';

import { I18nService } from '../core/i18n.service';
import { TicketLocation as Location } from '../core/models';
import { MapMarker, MapWidget } from '../widgets/map';

/** Where the problem is: address, description and coordinates as text, and on a map. */
@Component({
  selector: 'app-ticket-location',
  imports: [MapWidget],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (location(); as location) {
      <div data-testid="ticket-location">
        <h2 class="text-xs font-semibold uppercase tracking-wide text-gray-500">{{ i18n.t('location.title') }}</h2>
        @if (location.address) {
          <p class="mt-1 text-sm text-gray-900" data-testid="location-address">{{ location.address }}</p>
        }
        @if (location.description) {
          <p class="mt-0.5 text-sm text-gray-700">{{ location.description }}</p>
        }
        @if (location.coordinates; as point) {
          <p class="mt-0.5 font-mono text-xs text-gray-600" data-testid="location-coordinates">{{ point.latitude }}, {{ point.longitude }}</p>
          <app-map class="mt-2" [markers]="markers()" height="14rem" />
        }
      </div>
    }
  `,
})
export class TicketLocation {
  protected readonly i18n = inject(I18nService);
  readonly location = input<Location | null | undefined>(null);
  protected readonly markers = computed<MapMarker[]>(() => {
    const point = this.location()?.coordinates;
    return point ? [{ id: 'ticket', latitude: point.latitude, longitude: point.longitude, label: this.location()?.address ?? undefined }] : [];
  });
}
