import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';

import { AgentsService } from '../core/agents.service';

/** An agent's name from the directory (the start of its id until the directory is loaded). */
@Component({
  selector: 'app-agent-name',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `{{ name() }}`,
})
export class AgentName {
  private readonly agents = inject(AgentsService);
  private readonly directory = toSignal(this.agents.agents$, { initialValue: [] });
  readonly id = input<string | null | undefined>(null);

  protected readonly name = computed(() => {
    this.directory();
    return this.agents.name(this.id());
  });
}
