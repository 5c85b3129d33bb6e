/* CoinBit error codes: one enum for the whole project.
 *
 * Every function that can fail returns a cb_err. CB_OK is 0; every other
 * code is stable (its number never changes once released) so that logs, RPC
 * replies and tests can rely on it. Consensus rejections carry a short reason
 * string in Bitcoin Core's style ("high-hash", "bad-txns-nonce"), which peers
 * and users see; cb_strerror() gives a plain English sentence. */
#ifndef CB_CORE_ERR_H
#define CB_CORE_ERR_H

#define CB_WARN_UNUSED __attribute__((warn_unused_result))

/* X(name, number, reason, message) */
#define CB_ERROR_LIST(X)                                                                           \
    X(CB_OK, 0, "ok", "success")                                                                   \
    X(CB_ERR_NOMEM, 1, "out-of-memory", "out of memory")                                           \
    X(CB_ERR_ARG, 2, "bad-argument", "invalid argument")                                           \
    X(CB_ERR_TRUNCATED, 3, "truncated", "input ends before the data it announces")                 \
    X(CB_ERR_TRAILING, 4, "trailing-data", "input has bytes after the end of the data")            \
    X(CB_ERR_NONCANONICAL, 5, "non-canonical", "non-canonical CompactSize encoding")               \
    X(CB_ERR_TOO_LARGE, 6, "too-large", "size exceeds its limit")                                  \
    X(CB_ERR_HEX, 7, "bad-hex", "invalid hexadecimal string")                                      \
    X(CB_ERR_BASE58_CHAR, 8, "bad-base58-char", "character is not in the Base58 alphabet")         \
    X(CB_ERR_BASE58_CHECKSUM, 9, "bad-base58-checksum", "Base58Check checksum does not match")     \
    X(CB_ERR_BAD_VERSION_BYTE, 10, "bad-version-byte", "wrong version byte for this network")      \
    X(CB_ERR_BAD_LENGTH, 11, "bad-length", "decoded data has the wrong length")                    \
    X(CB_ERR_PRIVKEY, 12, "bad-privkey", "invalid private key")                                    \
    X(CB_ERR_PUBKEY, 13, "bad-pubkey", "invalid public key")                                       \
    X(CB_ERR_SIG_ENCODING, 14, "bad-sig-encoding", "signature is not strictly encoded")            \
    X(CB_ERR_SIG_INVALID, 15, "bad-signature", "signature does not verify")                        \
    X(CB_ERR_RANDOM, 16, "no-randomness", "the operating system's random source failed")           \
    X(CB_ERR_CRYPTO, 17, "crypto-failure", "cryptographic library failure")                        \
    X(CB_ERR_NOT_FOUND, 18, "not-found", "not found")                                              \
    X(CB_ERR_UNKNOWN_NETWORK, 19, "unknown-network", "unknown network name")                       \
    X(CB_ERR_CANCELLED, 20, "cancelled", "stopped before it finished")                             \
    X(CB_ERR_THREAD, 21, "no-thread", "a thread could not be started")                             \
    X(CB_ERR_STORE, 22, "store-error", "the database failed or holds data it should not")          \
    X(CB_ERR_BAD_PASSWORD, 23, "bad-password", "wrong username or password")                       \
    X(CB_ERR_BUSY, 24, "busy", "too much work is already waiting: try again later")                \
    X(CB_ERR_ADDR_IN_USE, 25, "address-in-use", "the address is in use by another program")        \
    /* Transaction rules (SPEC section 3). */                                                      \
    X(CB_ERR_TX_VERSION, 40, "bad-txns-version", "transaction version is not 1")                   \
    X(CB_ERR_TX_AMOUNT, 41, "bad-txns-amount", "transaction amount must be positive")              \
    X(CB_ERR_TX_MONEY_RANGE, 42, "bad-txns-money-range", "amount plus fee exceeds MAX_MONEY")      \
    X(CB_ERR_TX_PUBKEY, 43, "bad-txns-pubkey", "sender public key is invalid")                     \
    X(CB_ERR_TX_SIG, 44, "bad-txns-sig", "transaction signature is invalid")                       \
    X(CB_ERR_TX_NONCE, 45, "bad-txns-nonce", "nonce is not the sender account's next nonce")       \
    X(CB_ERR_TX_BALANCE, 46, "bad-txns-balance", "sender balance is below amount plus fee")        \
    X(CB_ERR_TX_OVERFLOW, 47, "bad-txns-overflow", "recipient balance would overflow")             \
    X(CB_ERR_TX_COINBASE, 48, "bad-txns-coinbase", "a coinbase is not a standalone transaction")   \
    /* Mempool policy (SPEC section 5): not consensus. */                                          \
    X(CB_ERR_FEE_TOO_LOW, 90, "min-fee-not-met", "fee is below the minimum of 1000 units")         \
    X(CB_ERR_IN_MEMPOOL, 91, "txn-already-in-mempool", "transaction is already in the mempool")    \
    X(CB_ERR_REPLACE_FEE, 92, "insufficient-fee", "a replacement must pay at least 10% more")      \
    X(CB_ERR_MEMPOOL_FULL, 93, "mempool-full", "mempool is full and the fee is too low to enter")  \
    X(CB_ERR_MEMPOOL_CHAIN, 94, "too-long-mempool-chain",                                          \
      "the sender already has 25 payments waiting")                                                \
    /* Block rules (SPEC section 4). */                                                            \
    X(CB_ERR_BLK_LENGTH, 60, "bad-blk-length", "block size or transaction count out of range")     \
    X(CB_ERR_CB_MISSING, 61, "bad-cb-missing", "first transaction is not a coinbase")              \
    X(CB_ERR_CB_MULTIPLE, 62, "bad-cb-multiple", "more than one coinbase")                         \
    X(CB_ERR_CB_HEIGHT, 63, "bad-cb-height", "coinbase nonce is not the block height")             \
    X(CB_ERR_CB_TIME, 64, "bad-cb-time", "coinbase time is not the block time")                    \
    X(CB_ERR_CB_AMOUNT, 65, "bad-cb-amount", "coinbase pays more than subsidy plus fees")          \
    X(CB_ERR_CB_FEE, 66, "bad-cb-fee", "coinbase fee is not zero")                                 \
    X(CB_ERR_MERKLE, 67, "bad-txnmrklroot", "merkle root does not match the transactions")         \
    X(CB_ERR_DUP_TX, 68, "bad-txns-duplicate", "two transactions have the same txid")              \
    X(CB_ERR_HIGH_HASH, 69, "high-hash", "proof of work does not meet the target")                 \
    X(CB_ERR_BAD_BITS, 70, "bad-diffbits", "bits is not the expected difficulty")                  \
    X(CB_ERR_TIME_OLD, 71, "time-too-old", "block time is not after the median time past")         \
    X(CB_ERR_TIME_NEW, 72, "time-too-new", "block time is more than 2 hours in the future")        \
    X(CB_ERR_PREV_MISSING, 73, "prev-blk-not-found", "previous block is unknown")                  \
    X(CB_ERR_PREV_INVALID, 74, "bad-prevblk", "previous block is invalid")                         \
    X(CB_ERR_DUPLICATE, 75, "duplicate", "block is already known")                                 \
    X(CB_ERR_BLK_INVALID, 76, "invalid-block", "block was already found invalid")                  \
    X(CB_ERR_GENESIS, 77, "bad-genesis", "genesis block does not match this network")              \
    /* P2P protocol (SPEC section 6) */                                                            \
    X(CB_ERR_NET_MAGIC, 100, "bad-magic", "message is not for this network")                       \
    X(CB_ERR_NET_COMMAND, 101, "bad-command", "message command is not NUL-padded ASCII")           \
    X(CB_ERR_NET_CHECKSUM, 102, "bad-checksum", "message checksum does not match its payload")     \
    X(CB_ERR_NET_HANDSHAKE, 103, "no-handshake", "message before the version handshake")           \
    X(CB_ERR_NET_SELF, 104, "self-connection", "connected to ourselves")                           \
    X(CB_ERR_NET_VERSION, 105, "bad-version", "peer's protocol version is not supported")          \
    X(CB_ERR_NET_BANNED, 106, "banned", "address is banned")                                       \
    X(CB_ERR_NET_UNREQUESTED, 107, "unrequested", "peer sent data nobody asked for")

typedef enum {
#define CB_X_ENUM(name, num, reason, msg) name = num,
    CB_ERROR_LIST(CB_X_ENUM)
#undef CB_X_ENUM
} cb_err;

/* A plain English sentence for an error code.
 * Returns: a static string, never NULL ("unknown error" for unknown codes). */
const char *cb_strerror(cb_err err);

/* The short, stable reason string for an error code ("bad-txns-nonce").
 * Returns: a static string, never NULL ("unknown" for unknown codes). */
const char *cb_err_reason(cb_err err);

#endif
