// A provider plugin written in C++11, which has no designated
// initializers, so every struct is filled positionally and the array
// counts and strides are set by hand. Proves that the ABI header compiles
// as C++ and that the entry point keeps its C name.
#include <schemareg/provider.h>

#define COUNT(array) static_cast<uint32_t>(sizeof(array) / sizeof((array)[0]))
#define STRIDE(array) static_cast<uint32_t>(sizeof((array)[0]))

static const schema_attribute_v1 notes_attributes[] = {
    {"note_id", SCHEMAREG_ATTR_S, 0},
};

static const schema_key_v1 notes_key[] = {
    {"note_id", SCHEMAREG_KEY_HASH, 0},
};

static const schema_table_v1 cxx_tables[] = {
    {"notes", notes_attributes, COUNT(notes_attributes), STRIDE(notes_attributes),
     notes_key, COUNT(notes_key), STRIDE(notes_key),
     SCHEMAREG_BILLING_PAY_PER_REQUEST, 0, 0, 0, nullptr, 0, 0, "expires_at"},
};

static const schema_seed_v1 cxx_seeds[] = {
    {"notes", "{\"note_id\":{\"S\":\"welcome\"}}", "attribute_not_exists(note_id)",
     nullptr, nullptr},
};

static const schema_provider_v1 cxx_provider = {
    sizeof(schema_provider_v1), 0, "cxxnotes", "Notes, declared from C++",
    cxx_tables, COUNT(cxx_tables), STRIDE(cxx_tables),
    cxx_seeds, COUNT(cxx_seeds), STRIDE(cxx_seeds),
};

static const schema_provider_v1 *const cxx_providers[] = {&cxx_provider};

SCHEMAREG_PLUGIN("cxxnotes", "1.0.0", cxx_providers)
