#include "core/params.h"

#include <string.h>

#include "core/amount.h"
#include "core/hex.h"

#define GENESIS_TIME 1795392000u /* 2026-11-23 00:00:00 UTC */
#define GENESIS_TEXT "CoinBit genesis 2026-11-23"

/* Each genesis nonce was mined once (the first nonce whose header meets the
 * network's limit); tests/unit/test_params.c recomputes every hash. */
static const cb_params MAIN = {
    .name = "main",
    .magic = {0xcb, 0xc0, 0x1b, 0x01},
    .p2p_port = 8833,
    .rpc_port = 8832,
    .address_version = 0x1c,
    .wif_prefix = 0x9c,
    .pow_limit_bits = 0x1f00ffff,
    .target_spacing = 60,
    .retarget_interval = 60,
    .halving_interval = 210000,
    .initial_subsidy = 20 * CB_COIN,
    .has_genesis_block = true,
    .genesis_version = 1,
    .genesis_time = GENESIS_TIME,
    .genesis_bits = 0x1f00ffff,
    .genesis_nonce = 119777,
    .genesis_merkle_hex = NULL,
    .genesis_hash_hex = "0000a6264c0eb1fb24d8f1ad62c07fc12ca4c1e173ba3eec025e42636f97e32e",
};

static const cb_params REGTEST = {
    .name = "regtest",
    .magic = {0xcb, 0xc0, 0x1b, 0x7e},
    .p2p_port = 18833,
    .rpc_port = 18832,
    .address_version = 0x57,
    .wif_prefix = 0xef,
    .pow_limit_bits = 0x207fffff,
    .target_spacing = 60,
    .retarget_interval = 0,
    .halving_interval = 150,
    .initial_subsidy = 20 * CB_COIN,
    .has_genesis_block = true,
    .genesis_version = 1,
    .genesis_time = GENESIS_TIME,
    .genesis_bits = 0x207fffff,
    .genesis_nonce = 2,
    .genesis_merkle_hex = NULL,
    .genesis_hash_hex = "77d61d6d01a3e97b1862f46384c2b57adddec2d6f653a91511ef65f1607dc870",
};

/* Bitcoin's main chain, headers only: real data tests our header rules. */
static const cb_params BITCOIN = {
    .name = "bitcoin",
    .magic = {0xf9, 0xbe, 0xb4, 0xd9},
    .p2p_port = 0,
    .rpc_port = 0,
    .address_version = 0x00,
    .wif_prefix = 0x80,
    .pow_limit_bits = 0x1d00ffff,
    .target_spacing = 600,
    .retarget_interval = 2016,
    .halving_interval = 0,
    .initial_subsidy = 0,
    .has_genesis_block = false,
    .genesis_version = 1,
    .genesis_time = 1231006505,
    .genesis_bits = 0x1d00ffff,
    .genesis_nonce = 2083236893,
    .genesis_merkle_hex = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
    .genesis_hash_hex = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
};

const cb_params *cb_params_main(void)
{
    return &MAIN;
}

const cb_params *cb_params_regtest(void)
{
    return &REGTEST;
}

const cb_params *cb_params_bitcoin(void)
{
    return &BITCOIN;
}

const cb_params *cb_params_by_name(const char *name)
{
    const cb_params *all[] = {&MAIN, &REGTEST, &BITCOIN};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (name && strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

uint64_t cb_params_subsidy(const cb_params *p, uint32_t height)
{
    if (p->halving_interval == 0)
        return 0;
    uint32_t halvings = height / p->halving_interval;
    if (halvings >= 64)
        return 0;
    return p->initial_subsidy >> halvings;
}

void cb_params_genesis_coinbase(const cb_params *p, cb_tx *tx)
{
    memset(tx, 0, sizeof *tx);
    tx->version = CB_TX_VERSION;
    tx->nonce = 0; /* height 0 */
    tx->time = p->genesis_time;
    memcpy(tx->sig, GENESIS_TEXT, sizeof GENESIS_TEXT - 1);
}

void cb_params_genesis_header(const cb_params *p, cb_header *h)
{
    memset(h, 0, sizeof *h);
    h->version = p->genesis_version;
    h->time = p->genesis_time;
    h->bits = p->genesis_bits;
    h->nonce = p->genesis_nonce;
    if (p->genesis_merkle_hex) {
        /* The table's constant is well-formed; a test parses it too. */
        if (cb_hash_from_hex(h->merkle, p->genesis_merkle_hex) != CB_OK)
            memset(h->merkle, 0, 32);
    } else {
        cb_tx cb;
        cb_params_genesis_coinbase(p, &cb);
        /* One transaction: the merkle root is its txid. */
        cb_tx_txid(h->merkle, &cb);
    }
}

cb_err cb_params_genesis_block(const cb_params *p, cb_block *b)
{
    cb_tx cb;
    cb_block_init(b);
    if (!p->has_genesis_block)
        return CB_ERR_NOT_FOUND;
    cb_params_genesis_header(p, &b->header);
    cb_params_genesis_coinbase(p, &cb);
    return cb_block_set_txs(b, &cb, 1);
}

void cb_params_genesis_hash(const cb_params *p, uint8_t hash[32])
{
    if (cb_hash_from_hex(hash, p->genesis_hash_hex) != CB_OK)
        memset(hash, 0, 32);
}
