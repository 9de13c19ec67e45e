/* The sandbox ("pause") process of the CRI tests: it holds the pod's namespaces open and does nothing
 * else. As PID 1 of the pod it reaps children and exits on SIGINT or SIGTERM, as Kubernetes' pause does.
 * Built statically, so it is the only file of the image's one layer. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_terminate(int sig) {
    (void)sig;
    _exit(0);
}

static void on_child(int sig) {
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

static int install(int sig, void (*handler)(int), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, NULL);
}

int main(void) {
    if (getpid() != 1) {
        static const char msg[] = "pause: warning: not running as PID 1\n";
        if (write(2, msg, sizeof msg - 1) < 0) {
        }
    }
    if (install(SIGINT, on_terminate, 0) != 0 || install(SIGTERM, on_terminate, 0) != 0 ||
        install(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART) != 0)
        return 1;
    for (;;) pause();
}
