import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { io, type Socket } from 'socket.io-client';
import { UI_NAMESPACE, type UiClientEvents, type UiServerEvents, type UiTaskChange } from '@oasis/worker-client/contracts';
import type { WorkerInfo } from './api.js';

/** One task state change of a `tasks` push. */
export type TaskChange = UiTaskChange;
/** The message of each push of the admin's `/ui` namespace, by event (from the contract's `UiServerEvents`). */
export type LiveEvents = { [E in keyof UiServerEvents]: Parameters<UiServerEvents[E]>[0] };
type Listener<K extends keyof LiveEvents> = (msg: LiveEvents[K]) => void;

/**
 * The dashboard's one live connection (Socket.IO `/ui`, authenticated by the session cookie).
 * Opened after sign-in, closed at sign-out; elements listen through {@link LiveController}.
 * Log subscriptions are kept and sent again after a reconnect.
 */
class Live {
  private socket: Socket<UiServerEvents, UiClientEvents> | null = null;
  private readonly listeners = new Map<string, Set<(msg: never) => void>>();
  private readonly logs = new Set<string>();
  /** Latest workers per app (for pages opened after the push). */
  readonly workers = new Map<string, WorkerInfo[]>();
  connected = false;

  open(): void {
    if (this.socket) return;
    const s: Socket<UiServerEvents, UiClientEvents> = io(UI_NAMESPACE, { withCredentials: true, transports: ['websocket', 'polling'] });
    this.socket = s;
    s.on('connect', () => {
      this.connected = true;
      for (const taskId of this.logs) s.emit('subscribe-log', { taskId }, () => undefined);
      this.fire('status' as keyof LiveEvents, {} as never);
    });
    s.on('disconnect', (reason) => {
      this.connected = false;
      this.fire('status' as keyof LiveEvents, {} as never);
      // The admin ends the socket when the user's rights or session change: connect again with the
      // rights as they are now (an ended session is refused, and the next API call signs out).
      if (reason === 'io server disconnect') {
        this.workers.clear();
        setTimeout(() => this.socket === s && s.connect(), 1000);
      }
    });
    s.on('workers', (m) => {
      this.workers.set(m.app, m.workers);
      this.fire('workers', m);
    });
    s.on('tasks', (m) => this.fire('tasks', m));
    s.on('log', (m) => this.fire('log', m));
  }

  close(): void {
    this.socket?.disconnect();
    this.socket = null;
    this.connected = false;
    this.logs.clear();
    this.workers.clear();
  }

  on<K extends keyof LiveEvents>(event: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (msg: never) => void);
    return () => set.delete(fn as (msg: never) => void);
  }

  /** Follows a task's log lines; resolves with the admin's answer. */
  subscribeLog(taskId: string): Promise<{ ok: boolean; message?: string }> {
    this.logs.add(taskId);
    const s = this.socket;
    if (!s) return Promise.resolve({ ok: false, message: 'not connected' });
    return s
      .timeout(5000)
      .emitWithAck('subscribe-log', { taskId })
      .catch(() => ({ ok: false as const, message: 'no answer' }));
  }

  unsubscribeLog(taskId: string): void {
    this.logs.delete(taskId);
    this.socket?.emit('unsubscribe-log', { taskId });
  }

  private fire(event: string, msg: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as (m: unknown) => void)(msg);
  }
}

export const live = new Live();

/** Calls `handlers` for live events while its host is on the page. */
export class LiveController implements ReactiveController {
  private offs: (() => void)[] = [];
  constructor(
    host: ReactiveControllerHost,
    private readonly handlers: { [K in keyof LiveEvents]?: Listener<K> },
  ) {
    host.addController(this);
  }
  hostConnected(): void {
    for (const [event, fn] of Object.entries(this.handlers)) {
      this.offs.push(live.on(event as keyof LiveEvents, fn as Listener<keyof LiveEvents>));
    }
  }
  hostDisconnected(): void {
    for (const off of this.offs) off();
    this.offs = [];
  }
}
