#include "nft/objects.hpp"

namespace wharf::nft {

std::string verdict::to_string() const {
    switch (code) {
    case NF_ACCEPT: return "accept";
    case NF_DROP: return "drop";
    case NFT_RETURN: return "return";
    case NFT_CONTINUE: return "continue";
    case NFT_BREAK: return "break";
    case NFT_JUMP: return "jump " + chain;
    case NFT_GOTO: return "goto " + chain;
    default: return "verdict " + std::to_string(code);
    }
}

}  // namespace wharf::nft
