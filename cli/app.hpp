#pragma once
// `wharf`: the command-line entry point. Parses argv, runs the command, and turns failures into a
// sentence on stderr and an exit code (see failure.hpp).
namespace wharf::cli {

int run(int argc, char** argv);

}  // namespace wharf::cli
