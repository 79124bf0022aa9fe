/**
 * Comlink's endpoint over a Node MessagePort / Worker / parentPort (our own 30 lines instead of
 * comlink's deep-imported node adapter, which has no types under nodenext).
 */
import type { Endpoint } from 'comlink';

interface NodePort {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
  start?: () => void;
}

type Handler = ((ev: MessageEvent) => void) | { handleEvent(ev: MessageEvent): void };
type MessageEvent = { data: unknown };

export function nodeEndpoint(port: NodePort): Endpoint {
  const listeners = new WeakMap<Handler, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: unknown[]) => port.postMessage(message, transfer),
    addEventListener: (_type: string, handler: Handler) => {
      const l = (data: unknown): void => {
        const ev = { data } as MessageEvent;
        if ('handleEvent' in handler) handler.handleEvent(ev);
        else handler(ev);
      };
      port.on('message', l);
      listeners.set(handler, l);
    },
    removeEventListener: (_type: string, handler: Handler) => {
      const l = listeners.get(handler);
      if (l === undefined) return;
      port.off('message', l);
      listeners.delete(handler);
    },
    ...(port.start === undefined ? {} : { start: port.start.bind(port) }),
  } as unknown as Endpoint;
}
