// BMP helpers for tests: a decoded message encoded again through the encoder's own inputs
// (parse-then-generate, for golden bytes from real daemons).

import type { BmpMessage } from '../../speaker/bmp/decode.ts';
import {
  encodeInitiation,
  encodePeerDown,
  encodePeerUp,
  encodeRouteMonitoring,
  encodeTermination,
} from '../../speaker/bmp/encode.ts';
import type { PeerDown } from '../../speaker/bmp/encode.ts';

export function reencode(m: BmpMessage): Uint8Array {
  switch (m.type) {
    case 'initiation': {
      const text = (t: number) => m.tlvs.find((x) => x.type === t)?.value ?? '';
      return encodeInitiation({ sysName: text(2), sysDescr: text(1), strings: m.tlvs.filter((x) => x.type === 0).map((x) => x.value) });
    }
    case 'termination':
      return encodeTermination({ reason: m.reason ?? -1, ...(m.tlvs[0] ? { text: m.tlvs[0].value } : {}) });
    case 'route-monitoring':
      return encodeRouteMonitoring({ peer: m.peer, update: m.update });
    case 'peer-up':
      return encodePeerUp({ ...m, information: m.information.map((t) => t.value) });
    case 'peer-down':
      return encodePeerDown(m as PeerDown);
    case 'other':
      throw new Error(`BMP message type ${m.messageType} is not one we encode`);
  }
}
