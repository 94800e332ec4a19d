package org.deidgateway.net;

import java.util.ArrayList;
import java.util.List;

/**
 * What A-ASSOCIATE-RQ and -AC share (PS3.8 9.3.2, 9.3.3): protocol version, AE titles, then the
 * application context, presentation context items (0x20 proposed, 0x21 answered) and user
 * information. The presentation context items are handed back unread: their content differs.
 */
record AssociateBody(String calledAeTitle, String callingAeTitle, String applicationContext, List<ItemReader> contextItems,
                     long maxPduLength, String implementationClassUid, String implementationVersionName) {

    static AssociateBody parse(byte[] body, int contextItemType, String pduName) throws ProtocolException {
        ItemReader r = new ItemReader(body);
        int version = r.u16();
        if ((version & 1) == 0) {
            throw new ProtocolException(pduName + " with protocol version " + version + " is not supported",
                    ProtocolException.INVALID_PARAMETER_VALUE);
        }
        r.skip(2);
        String called = r.text(16);
        String calling = r.text(16);
        r.skip(32);
        String applicationContext = null;
        List<ItemReader> contexts = new ArrayList<>();
        long maxPdu = 0;
        String implementationClass = "";
        String implementationVersion = "";
        while (r.hasMore()) {
            int itemType = r.u8();
            r.skip(1);
            ItemReader item = r.sub(r.u16());
            if (itemType == 0x10) {
                applicationContext = item.text(item.remaining());
            } else if (itemType == contextItemType) {
                contexts.add(item);
            } else if (itemType == 0x50) {
                while (item.hasMore()) {
                    int subType = item.u8();
                    item.skip(1);
                    ItemReader sub = item.sub(item.u16());
                    switch (subType) {
                        case 0x51 -> maxPdu = sub.u32();
                        case 0x52 -> implementationClass = sub.text(sub.remaining());
                        case 0x55 -> implementationVersion = sub.text(sub.remaining());
                        default -> {
                            // role selection, asynchronous operations, extended negotiation: not offered, so ignored
                        }
                    }
                }
            } else {
                throw new ProtocolException("unexpected item 0x" + Integer.toHexString(itemType) + " in " + pduName,
                        ProtocolException.UNEXPECTED_PARAMETER);
            }
        }
        return new AssociateBody(called, calling, applicationContext, contexts, maxPdu, implementationClass,
                implementationVersion);
    }
}
