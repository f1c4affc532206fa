// wasi:sockets, present so that guests built for the whole command world
// load, and refusing everything: no socket is ever created and no name is
// looked up. Outbound network goes through wasi:http and the egress service,
// where the policy decides each request.

import { type Context, Failure, guardClass, guardFunction } from './context.js';

const NO_SOCKETS = 'raw sockets are not available to guests; outbound HTTP goes through wasi:http';

function unconstructible(what: string) {
  return class {
    constructor() {
      throw new TypeError(`${what} resources are created by the host, and this host creates none`);
    }
  };
}

export function createSockets(ctx: Context): Record<string, Record<string, unknown>> {
  const KEY = Symbol('sockets');

  class Network {
    constructor(key: symbol) {
      if (key !== KEY) throw new TypeError('networks are created by the host');
    }
  }
  const TcpSocket = unconstructible('tcp-socket');
  const UdpSocket = unconstructible('udp-socket');
  const IncomingDatagramStream = unconstructible('incoming-datagram-stream');
  const OutgoingDatagramStream = unconstructible('outgoing-datagram-stream');
  const ResolveAddressStream = unconstructible('resolve-address-stream');
  for (const cls of [
    Network,
    TcpSocket,
    UdpSocket,
    IncomingDatagramStream,
    OutgoingDatagramStream,
    ResolveAddressStream,
  ]) {
    guardClass(ctx, cls);
  }

  const refuse = (target: string, access: string): never => {
    ctx.deny('network', target, access, NO_SOCKETS);
    throw new Failure('access-denied');
  };

  return {
    'wasi:sockets/network': { Network },
    'wasi:sockets/instance-network': {
      instanceNetwork: guardFunction(ctx, () => new Network(KEY)),
    },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/tcp-create-socket': {
      createTcpSocket: guardFunction(ctx, (family: string) =>
        refuse(`tcp socket (${family})`, 'connect'),
      ),
    },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/udp-create-socket': {
      createUdpSocket: guardFunction(ctx, (family: string) =>
        refuse(`udp socket (${family})`, 'connect'),
      ),
    },
    'wasi:sockets/ip-name-lookup': {
      ResolveAddressStream,
      resolveAddresses: guardFunction(ctx, (_network: unknown, name: string) =>
        refuse(String(name), 'lookup'),
      ),
    },
  };
}
