#pragma once
// Owning pointers for libnftnl objects (internal to common/nft).
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include <memory>
#include <new>

namespace wharf::nft::detail {

template <auto Free>
struct nftnl_deleter {
    template <typename T>
    void operator()(T* p) const noexcept { Free(p); }
};

using table_ptr = std::unique_ptr<nftnl_table, nftnl_deleter<nftnl_table_free>>;
using chain_ptr = std::unique_ptr<nftnl_chain, nftnl_deleter<nftnl_chain_free>>;
using rule_ptr = std::unique_ptr<nftnl_rule, nftnl_deleter<nftnl_rule_free>>;
using expr_ptr = std::unique_ptr<nftnl_expr, nftnl_deleter<nftnl_expr_free>>;
using set_ptr = std::unique_ptr<nftnl_set, nftnl_deleter<nftnl_set_free>>;
using set_elem_ptr = std::unique_ptr<nftnl_set_elem, nftnl_deleter<nftnl_set_elem_free>>;
using udata_ptr = std::unique_ptr<nftnl_udata_buf, nftnl_deleter<nftnl_udata_buf_free>>;

// libnftnl's allocators return null only when out of memory.
template <typename T>
T* checked(T* p) {
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

}  // namespace wharf::nft::detail
