#pragma once
// host-local's part of wharfd's reclaim: the owner records under a dataDir, and the release of one
// attachment's addresses, as its DEL would, under the store's lock.
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "owner_record.hpp"

namespace wharf::ipam {

struct recorded_owner {
    std::string data_dir;
    std::string network;  // the store's directory name under data_dir
    std::string text;     // the record as read, to tell whether it changed before the release
    owner_record record;
};

// Every readable owner record in every network directory of `data_dir` (none when it does not
// exist). Read without the stores' locks: each record is replaced whole (rename), never torn.
std::vector<recorded_owner> recorded_owners(const std::string& data_dir);

// Under the store's lock: when o's record is still there as it was read, releases every address of
// its attachment and the record (disk_store::release) and returns the addresses; nullopt when the
// record changed or went (an ADD or DEL came first), which releases nothing.
std::optional<std::vector<net::ip_address>> release_owner(const recorded_owner& o);

}  // namespace wharf::ipam
